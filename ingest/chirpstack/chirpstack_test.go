package chirpstack

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/ingest"
)

// The per-sample expected Uplinks are in ingest/envelope's TestSamples, which runs these
// parsers directly and through envelope.Parse. Here: events that are no uplinks, bad input,
// and the details the samples do not reach.

const samples = "../../testdata/chirpstack-samples/"

type parser struct {
	name  string
	parse func([]byte) (ingest.Uplink, error)
}

var jsonParsers = []parser{
	{"json_v3", ParseV3JSONv3}, {"json", ParseV3JSON}, {"v4", ParseV4JSON},
}

func TestNotUplink(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) (ingest.Uplink, error)
		body  string
	}{
		{"v3 command sample", ParseV3JSONv3, file(t, "v3-command-down.json")},
		{"v4 command sample", ParseV4JSON, file(t, "v4-command-down.json")},
		{"v4 join sample", ParseV4JSON, file(t, "v4-json-join.json")},
		{"v3 json_v3 join", ParseV3JSONv3, `{"applicationID":"12","devEUI":"a1b2c3d4e5f60708",
			"devAddr":"26011bda","rxInfo":[],"txInfo":{"frequency":868100000,"dr":5}}`},
		{"v3 json join", ParseV3JSON, `{"applicationID":"12","devEUI":"obLD1OX2Bwg=",
			"devAddr":"JgEb2g==","dr":5,"publishedAt":"2024-03-14T08:15:02Z"}`},
		{"v3 status", ParseV3JSON, `{"devEUI":"obLD1OX2Bwg=","margin":7,"batteryLevel":88.5}`},
		{"v3 ack", ParseV3JSONv3, `{"devEUI":"a1b2c3d4e5f60708","acknowledged":true,"fCnt":3}`},
		{"v3 error", ParseV3JSONv3, `{"devEUI":"a1b2c3d4e5f60708","type":"UPLINK_CODEC",
			"error":"boom","fCnt":3}`},
		{"v3 txack", ParseV3JSON, `{"devEUI":"obLD1OX2Bwg=","gatewayID":"ABEiM0RVZnc=","fCnt":2}`},
		{"v3 location", ParseV3JSON, `{"devEUI":"obLD1OX2Bwg=","location":{"latitude":1},
			"uplinkIDs":[],"fCnt":2}`},
		{"v4 status", ParseV4JSON, `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},"margin":5}`},
		{"v4 log", ParseV4JSON, `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},"level":"ERROR",
			"code":"UPLINK_CODEC","description":"x"}`},
		{"v4 ack", ParseV4JSON, `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},
			"queueItemId":"q","acknowledged":true,"fCntDown":4}`},
		{"v4 txack", ParseV4JSON, `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},
			"downlinkId":123,"gatewayId":"0011223344556677","txInfo":{"frequency":869525000}}`},
		{"v4 integration", ParseV4JSON, `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},
			"integrationName":"loracloud","eventType":"x","object":{}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.parse([]byte(tc.body))
			assertSentinel(t, err, ingest.ErrNotUplink)
		})
	}
}

func TestBadInput(t *testing.T) {
	big := strings.Repeat("A", 4*(ingest.MaxPayload/3+8)) // > MaxPayload once decoded
	tests := []struct {
		name string
		body string
		want error
	}{
		{"not JSON", `hello`, ingest.ErrMalformed},
		{"empty", ``, ingest.ErrMalformed},
		{"truncated", `{"devEUI":"a1b2c3d4e5f60708","fCnt":1`, ingest.ErrMalformed},
		{"other JSON", `{"hello":"world"}`, ingest.ErrMalformed},
		{"fCnt of wrong type", `{"devEUI":"a1b2c3d4e5f60708","fCnt":true}`, ingest.ErrMalformed},
		{"fPort above 255", `{"devEUI":"a1b2c3d4e5f60708","fCnt":1,"fPort":300}`,
			ingest.ErrMalformed},
		{"data not a string", `{"devEUI":"a1b2c3d4e5f60708","fCnt":1,"data":12}`,
			ingest.ErrMalformed},
		{"no devEUI", `{"applicationID":"12","fCnt":1,"fPort":1,"data":"AQI="}`,
			ingest.ErrNoDevEUI},
		{"short devEUI", `{"devEUI":"a1b2c3","fCnt":1}`, ingest.ErrNoDevEUI},
		{"devEUI not hex", `{"devEUI":"zzb2c3d4e5f60708","fCnt":1}`, ingest.ErrNoDevEUI},
		{"bad base64 devEUI", `{"devEUI":"!!LD1OX2Bwg=","fCnt":1}`, ingest.ErrNoDevEUI},
		{"broken base64", `{"devEUI":"a1b2c3d4e5f60708","fCnt":1,"data":"AQ*I"}`,
			ingest.ErrBadPayload},
		{"oversized", `{"devEUI":"a1b2c3d4e5f60708","fCnt":1,"data":"` + big + `"}`,
			ingest.ErrOversized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseV3JSONv3([]byte(tc.body))
			assertSentinel(t, err, tc.want)
		})
	}
}

func TestV4BadInput(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"no deviceInfo", `{"fCnt":1,"rxInfo":[]}`, ingest.ErrMalformed},
		{"no devEui", `{"deviceInfo":{"deviceName":"x"},"fCnt":1}`, ingest.ErrNoDevEUI},
		{"broken base64", `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},"fCnt":1,"data":"%%"}`,
			ingest.ErrBadPayload},
		{"fCnt over 32 bits", `{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},"fCnt":4294967296}`,
			ingest.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseV4JSON([]byte(tc.body))
			assertSentinel(t, err, tc.want)
		})
	}
}

// TestV4ZeroValuesOmitted: v4 leaves out fCnt 0, fPort 0 and empty data (§2.1).
func TestV4ZeroValuesOmitted(t *testing.T) {
	body := `{"deviceInfo":{"devEui":"A1B2C3D4E5F60709"},"rxInfo":[{"gatewayId":"0011223344556677",
		"rssi":-100,"nsTime":"2024-03-14T08:20:11.401277Z"}],"txInfo":{"frequency":868100000}}`
	u, err := ParseV4JSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if u.DevEUI != "a1b2c3d4e5f60709" || u.FCnt != 0 || u.FPort != 0 || u.Payload != nil {
		t.Errorf("got DevEUI %q FCnt %d FPort %d Payload %x", u.DevEUI, u.FCnt, u.FPort, u.Payload)
	}
	if u.ReceivedAt.Format("15:04:05.000000") != "08:20:11.401277" {
		t.Errorf("ReceivedAt = %v, want the rxInfo nsTime", u.ReceivedAt)
	}
}

// TestV3Leniency: unknown keys, numbers as strings, escaped base64, objectJSON that is not an
// object, no rx time (then publishedAt).
func TestV3Leniency(t *testing.T) {
	body := `{"devEUI":"obLD1OX2Bwg=","fCnt":"17","fPort":2,"data":"AQ\/B","newKey":[1,{}],
		"objectJSON":"not json","publishedAt":"2024-03-14T09:15:02.5+01:00",
		"rxInfo":[{"gatewayID":"ABEiM0RVZnc=","time":null,"rssi":-90,"loRaSNR":1,
		"location":{"latitude":0,"longitude":0,"altitude":0}}],
		"txInfo":{"frequency":"868100000"}}`
	u, err := ParseV3JSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.Uplink{
		DevEUI: "a1b2c3d4e5f60708", FCnt: 17, FPort: 2, Payload: []byte{0x01, 0x0f, 0xc1},
		Gateways: []ingest.Gateway{{ID: "0011223344556677", RSSI: -90, SNR: 1}},
		Radio:    ingest.Radio{FrequencyHz: 868100000},
	}
	if u.ReceivedAt.String() != "2024-03-14 08:15:02.5 +0000 UTC" {
		t.Errorf("ReceivedAt = %v, want publishedAt in UTC", u.ReceivedAt)
	}
	u.ReceivedAt = want.ReceivedAt
	if !reflect.DeepEqual(u, want) {
		t.Errorf("got %+v\nwant %+v", u, want)
	}
}

// TestProtobufBad feeds ParseV3Protobuf broken and incomplete messages.
func TestProtobufBad(t *testing.T) {
	good := marshal(t, sampleEvent())
	noEUI := sampleEvent()
	noEUI.DevEui = nil
	big := sampleEvent()
	big.Data = make([]byte, ingest.MaxPayload+1)
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"truncated", good[:len(good)-40], ingest.ErrMalformed},
		{"JSON", []byte(`{"devEUI":"a1b2c3d4e5f60708"}`), ingest.ErrMalformed},
		{"garbage", []byte{0xff, 0xff, 0xff}, ingest.ErrMalformed},
		{"wrong wire type", []byte{0x20, 0x01}, ingest.ErrMalformed}, // dev_eui as varint
		{"no dev_eui", marshal(t, noEUI), ingest.ErrNoDevEUI},
		{"empty", nil, ingest.ErrNoDevEUI},
		{"oversized", marshal(t, big), ingest.ErrOversized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseV3Protobuf(tc.body)
			assertSentinel(t, err, tc.want)
		})
	}
}

func TestJSONParsersIgnoreUnknownKeys(t *testing.T) {
	for _, p := range jsonParsers {
		t.Run(p.name, func(t *testing.T) {
			var body string
			switch p.name {
			case "v4":
				body = `{"future":{"a":[1,2]},"deviceInfo":{"devEui":"a1b2c3d4e5f60709",
					"later":true},"fCnt":9,"rxInfo":[{"x":1}]}`
			default:
				body = `{"future":{"a":[1,2]},"devEUI":"a1b2c3d4e5f60708","fCnt":9,"fPort":1}`
			}
			u, err := p.parse([]byte(body))
			if err != nil || u.FCnt != 9 {
				t.Fatalf("FCnt %d, err %v", u.FCnt, err)
			}
		})
	}
}

var sentinels = []error{ingest.ErrMalformed, ingest.ErrNoDevEUI, ingest.ErrOversized,
	ingest.ErrNotUplink, ingest.ErrBadPayload}

// assertSentinel checks that err wraps want and no other sentinel.
func assertSentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Errorf("error %v wraps %v as well as %v", err, s, want)
		}
	}
}

func file(t *testing.T, name string) string {
	t.Helper()
	return string(readFile(t, samples+name))
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assertSame(t *testing.T, got, want ingest.Uplink) {
	t.Helper()
	if !got.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("ReceivedAt %v, want %v", got.ReceivedAt, want.ReceivedAt)
	}
	got.ReceivedAt = want.ReceivedAt
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func TestTopicDevEUI(t *testing.T) {
	for topic, want := range map[string]string{
		"application/12/device/A1B2C3D4E5F60708/event/up":                                   "a1b2c3d4e5f60708",
		"application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/a1b2c3d4e5f60709/event/up": "a1b2c3d4e5f60709",
		"application/12/device/a1b2c3d4e5f6070/event/up":                                    "", // 15 digits
		"application/12/device/a1b2c3d4e5f60708/command/down":                               "",
		"v3/app@ttn/devices/a1b2c3d4e5f60708/up":                                            "",
		"application/12/device/a1b2c3d4e5f60708/event/up/extra":                             "",
		"": "",
	} {
		got, ok := TopicDevEUI(topic)
		if got != want || ok != (want != "") {
			t.Errorf("TopicDevEUI(%q) = %q, %t; want %q", topic, got, ok, want)
		}
	}
}

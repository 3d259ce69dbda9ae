package envelope

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/ingest"
)

const protoSample = "../chirpstack/testdata/v3-protobuf-up.bin" // the real types, marshalled

func TestDetect(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    ingest.Dialect
	}{
		{"empty", "", "", ingest.DialectUnknown},
		{"whitespace", "", " \n\t", ingest.DialectUnknown},
		{"protobuf by content type", "application/octet-stream", `{"devEUI":"x"}`,
			ingest.DialectChirpStackV3P},
		{"x-protobuf", "application/x-protobuf", "\x08\x0c", ingest.DialectChirpStackV3P},
		{"binary without content type", "", "\x08\x0c\x12\x03abc", ingest.DialectChirpStackV3P},
		{"text declared JSON", "application/json", "hello", ingest.DialectUnknown},
		{"array", "", `[{"n":"temp","v":21}]`, ingest.DialectSenML},
		{"senml type", "application/senml+json", `{}`, ingest.DialectSenML},
		{"TTS by uplink_message", "", `{"uplink_message":{}}`, ingest.DialectTTS},
		{"TTS join", "", `{"end_device_ids":{},"join_accept":{}}`, ingest.DialectTTS},
		{"v4 by deduplicationId", "", `{"deduplicationId":"x"}`, ingest.DialectChirpStackV4},
		{"v4 command", "", `{"devEui":"a1b2c3d4e5f60709","fPort":1}`, ingest.DialectChirpStackV4},
		{"v3 json by objectJSON", "", `{"devEUI":"a1b2c3d4e5f60708","objectJSON":""}`,
			ingest.DialectChirpStackV3J},
		{"v3 json by base64 devEUI", "", `{"devEUI":"obLD1OX2Bwg="}`,
			ingest.DialectChirpStackV3J},
		{"v3 json by publishedAt", "", `{"publishedAt":"2024-03-14T08:15:02Z"}`,
			ingest.DialectChirpStackV3J},
		{"v3 json_v3 by hex devEUI", "", `{"devEUI":"a1b2c3d4e5f60708","txInfo":{"dr":5}}`,
			ingest.DialectChirpStackV3},
		{"v3 command", "", `{"confirmed":true,"fPort":3,"data":"AQ=="}`,
			ingest.DialectChirpStackV3},
		{"keys nested only", "", `{"x":{"deviceInfo":{},"devEUI":"obLD1OX2Bwg="}}`,
			ingest.DialectUnknown},
		{"key inside a string", "", `{"x":"\"deviceInfo\":{}"}`, ingest.DialectUnknown},
		{"unknown object", "", `{"hello":"world"}`, ingest.DialectUnknown},
		{"broken object", "", `{"devEUI":"a1b2c3d4e5f60708"`, ingest.DialectUnknown},
		{"missing colon", "", `{"devEUI" "a1b2c3d4e5f60708"}`, ingest.DialectUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect(tc.contentType, []byte(tc.body)); got != tc.want {
				t.Errorf("Detect = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestParseEvents checks the event type taken from Message.Event, ?event= and the topic.
func TestParseEvents(t *testing.T) {
	v4 := readFile(t, chirpstackDir+"v4-json-up.json")
	tts := readFile(t, ttsDir+"tts-v3-up.json")
	proto := readFile(t, protoSample)
	const v3Topic = "application/12/device/a1b2c3d4e5f60708/event/"
	tests := []struct {
		name         string
		m            ingest.Message
		wantErr      error // nil: an uplink
		wantFromBody bool
	}{
		{"v4 event/up", ingest.Message{Topic: v3Topic + "up", Body: v4}, nil, false},
		{"v4 event/status topic", ingest.Message{Topic: v3Topic + "status", Body: v4},
			ingest.ErrNotUplink, false},
		{"Event beats topic", ingest.Message{Event: "join", Topic: v3Topic + "up", Body: v4},
			ingest.ErrNotUplink, false},
		{"http ?event=up", ingest.Message{Topic: "/ingest/chirpstack?event=up", Body: v4},
			nil, false},
		{"http ?event=txack", ingest.Message{Topic: "/ingest/cs?x=1&event=txack", Body: v4},
			ingest.ErrNotUplink, false},
		{"command/down topic", ingest.Message{Topic: "application/1/device/x/command/down",
			Body: v4}, ingest.ErrNotUplink, false},
		{"TTS up", ingest.Message{Topic: "v3/city-env@ttn/devices/park/up", Body: tts},
			nil, false},
		{"TTS down/queued", ingest.Message{Topic: "v3/city-env@ttn/devices/park/down/queued",
			Body: tts}, ingest.ErrNotUplink, false},
		{"TTS webhook join path", ingest.Message{Event: "join-accept", Body: tts},
			ingest.ErrNotUplink, false},
		{"unknown suffix: body decides", ingest.Message{Topic: "/ingest/tts/hook", Body: tts},
			nil, true},
		{"protobuf up", ingest.Message{Topic: v3Topic + "up", Body: proto}, nil, false},
		{"protobuf ?event=up", ingest.Message{Topic: "/cs?event=up",
			ContentType: "application/octet-stream", Body: proto}, nil, false},
		{"protobuf join", ingest.Message{Topic: v3Topic + "join", Body: proto},
			ingest.ErrNotUplink, false},
		{"protobuf without event", ingest.Message{Body: proto}, ingest.ErrNotUplink, false},
		{"pre-3.11 rx topic", ingest.Message{Topic: "application/1/device/x/rx", Body: proto},
			nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := Parse(tc.m)
			if tc.wantErr != nil {
				assertSentinel(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.DevEUI == "" || u.Dialect == ingest.DialectUnknown {
				t.Errorf("DevEUI %q Dialect %q", u.DevEUI, u.Dialect)
			}
		})
	}
}

// TestProtobufParse checks that the protobuf golden parses through Parse like the v3 json
// sample it was built from.
func TestProtobufParse(t *testing.T) {
	got, err := Parse(ingest.Message{Source: "s", Event: "up", Body: readFile(t, protoSample)})
	if err != nil {
		t.Fatal(err)
	}
	want := uplinkSamples()[1].want // v3-json-up.json
	want.Source, want.Dialect = "s", ingest.DialectChirpStackV3P
	assertUplink(t, got, want)
}

func TestParseBadInput(t *testing.T) {
	v4 := string(readFile(t, chirpstackDir+"v4-json-up.json"))
	proto := readFile(t, protoSample)
	big := strings.Repeat("QUJD", ingest.MaxPayload/3+1) // 64 KiB + 3 bytes decoded
	tests := []struct {
		name string
		m    ingest.Message
		want error
	}{
		{"empty body", ingest.Message{}, ingest.ErrMalformed},
		{"blank body", ingest.Message{Body: []byte("  \n")}, ingest.ErrMalformed},
		{"not JSON, JSON declared", ingest.Message{ContentType: "application/json",
			Body: []byte("temperature=21")}, ingest.ErrMalformed},
		{"not JSON, MQTT", ingest.Message{Topic: "a/event/up", Body: []byte("temperature=21")},
			ingest.ErrMalformed},
		{"JSON of no known dialect", ingest.Message{Body: []byte(`{"temperature":21}`)},
			ingest.ErrMalformed},
		{"SenML is no envelope", ingest.Message{Body: []byte(`[{"n":"t","v":1}]`)},
			ingest.ErrMalformed},
		{"broken base64", ingest.Message{Body: []byte(
			strings.Replace(v4, "AXVcA2c0AQRoZQd95wQ=", "AXVc*2c0", 1))}, ingest.ErrBadPayload},
		{"no DevEUI", ingest.Message{Body: []byte(
			strings.Replace(v4, `"devEui": "a1b2c3d4e5f60709",`, "", 1))}, ingest.ErrNoDevEUI},
		{"oversized payload", ingest.Message{Body: []byte(
			strings.Replace(v4, "AXVcA2c0AQRoZQd95wQ=", big, 1))}, ingest.ErrOversized},
		{"truncated protobuf", ingest.Message{Event: "up", Body: proto[:len(proto)/2]},
			ingest.ErrMalformed},
		{"truncated JSON", ingest.Message{Body: []byte(v4[:len(v4)/2])}, ingest.ErrMalformed},
		{"wrong fixed dialect", ingest.Message{Dialect: ingest.DialectTTS, Body: []byte(v4)},
			ingest.ErrMalformed},
		{"unknown fixed dialect", ingest.Message{Dialect: "lorawan-v9", Body: []byte(v4)},
			ingest.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.m)
			assertSentinel(t, err, tc.want)
		})
	}
}

var sentinels = []error{ingest.ErrMalformed, ingest.ErrNoDevEUI, ingest.ErrOversized,
	ingest.ErrNotUplink, ingest.ErrBadPayload}

// sentinelCount returns how many of the ingest sentinels err wraps.
func sentinelCount(err error) int {
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	return n
}

// assertSentinel checks that err wraps want and no other sentinel.
func assertSentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if n := sentinelCount(err); n != 1 {
		t.Errorf("error %v wraps %d sentinels, want 1", err, n)
	}
}

// seeds returns every sample body, for the fuzz targets and benchmarks.
func seeds(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, dir := range []string{chirpstackDir, ttsDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range entries {
			out = append(out, readFile(tb, dir+e.Name()))
		}
	}
	return append(out, readFile(tb, protoSample))
}

// TestUnknownDialectSaysWhy: a message whose dialect cannot be found says whether it was
// not JSON at all or JSON without the keys of any envelope, and names a fixed dialect
// Vindel does not read.
func TestUnknownDialectSaysWhy(t *testing.T) {
	v4 := string(readFile(t, chirpstackDir+"v4-json-up.json"))
	for _, tc := range []struct {
		m    ingest.Message
		want string
	}{
		{ingest.Message{Body: []byte(v4[:len(v4)/2])}, "not valid JSON: unexpected end"},
		{ingest.Message{Body: []byte(`{"temperature":21,"at":"now"}`)},
			"no known dialect (top-level keys: temperature, at)"},
		{ingest.Message{ContentType: "application/json", Body: []byte(`"a string"`)},
			"JSON string, not an envelope object"},
		{ingest.Message{Dialect: "lorawan-v9", Body: []byte(v4)}, `"lorawan-v9" is not one`},
		{ingest.Message{Body: []byte(`{}`)}, "an empty JSON object"},
		{ingest.Message{Topic: "application/1/device/a1b2c3d4e5f60708/event/up",
			Body: []byte("not json at all")},
			"neither a JSON object nor a ChirpStack v3 protobuf event: chirpstack v3 protobuf"},
	} {
		_, err := Parse(tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.30q) = %v, want it to say %q", tc.m.Body, err, tc.want)
		}
	}
}

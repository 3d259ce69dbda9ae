package envelope

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/chirpstack"
	"github.com/vindel-hub/vindel/ingest/tts"
)

const (
	chirpstackDir = "../../testdata/chirpstack-samples/"
	ttsDir        = "../../testdata/tts-samples/"
	vectorsPath   = "../../testdata/ttn-vectors.jsonl"
)

// umea is the position of the sample gateways.
var umea = &ingest.Point{Latitude: 63.8258, Longitude: 20.2630, Altitude: 12}

// sampleCase is one sample message with the Uplink written out by hand from its JSON.
type sampleCase struct {
	file    string
	dialect ingest.Dialect
	parse   func([]byte) (ingest.Uplink, error)
	vendor  string // the ttn-vectors.jsonl entry the payload must equal
	device  string
	want    ingest.Uplink
}

func uplinkSamples() []sampleCase {
	elsysObject := map[string]any{
		"temperature": 22.6, "humidity": 41.0, "light": 39.0, "motion": 6.0, "co2": 776.0,
	}
	elsysTags := map[string]string{"district": "centrum", "site": "school-17"}
	elsysGW := []ingest.Gateway{{ID: "0011223344556677", RSSI: -97, SNR: 7.5, Location: umea}}
	rxTime := time.Date(2024, 3, 14, 8, 15, 2, 123456000, time.UTC)
	return []sampleCase{
		{
			file: chirpstackDir + "v3-json_v3-up.json", dialect: ingest.DialectChirpStackV3,
			parse: chirpstack.ParseV3JSONv3, vendor: "elsys", device: "ers-co2",
			want: ingest.Uplink{
				DevEUI: "a1b2c3d4e5f60708", DeviceName: "school-room-101", FPort: 1, FCnt: 4711,
				Payload:    mustHex("0100e202290400270506060308"),
				ReceivedAt: rxTime, Gateways: elsysGW,
				Radio: ingest.Radio{FrequencyHz: 868300000, DataRate: 5}, // json_v3: no modulation
				Tags:  elsysTags, Decoded: elsysObject,
			},
		},
		{
			file: chirpstackDir + "v3-json-up.json", dialect: ingest.DialectChirpStackV3J,
			parse: chirpstack.ParseV3JSON, vendor: "elsys", device: "ers-co2",
			want: ingest.Uplink{
				DevEUI: "a1b2c3d4e5f60708", DeviceName: "school-room-101", FPort: 1, FCnt: 4711,
				Payload:    mustHex("0100e202290400270506060308"),
				ReceivedAt: rxTime, Gateways: elsysGW,
				// bandwidth 125 kHz in v3, kept in Hz
				Radio: ingest.Radio{FrequencyHz: 868300000, SpreadingFactor: 7,
					BandwidthHz: 125000, DataRate: 5},
				Tags: elsysTags, Decoded: elsysObject,
			},
		},
		{
			file: chirpstackDir + "v4-json-up.json", dialect: ingest.DialectChirpStackV4,
			parse: chirpstack.ParseV4JSON, vendor: "milesight-iot", device: "am103",
			want: ingest.Uplink{
				DevEUI: "a1b2c3d4e5f60709", DeviceName: "library-reading-room", FPort: 85,
				FCnt: 318, Payload: mustHex("01755c03673401046865077de704"),
				ReceivedAt: time.Date(2024, 3, 14, 8, 20, 11, 482913204, time.UTC),
				Gateways: []ingest.Gateway{
					{ID: "0011223344556677", RSSI: -88, SNR: 9.25, Location: umea},
				},
				Radio: ingest.Radio{FrequencyHz: 868500000, SpreadingFactor: 7,
					BandwidthHz: 125000, DataRate: 5},
				Tags: map[string]string{
					"district": "centrum", "vendor": "milesight-iot", "model": "am103",
				},
				Decoded: map[string]any{
					"battery": 92.0, "temperature": 30.8, "humidity": 50.5, "co2": 1255.0,
				},
			},
		},
		{
			file: ttsDir + "tts-v3-up.json", dialect: ingest.DialectTTS, parse: tts.ParseUplink,
			vendor: "decentlab", device: "dl-sht35",
			want: ingest.Uplink{
				DevEUI: "a1b2c3d4e5f6070a", DeviceName: "park-sensor-0042", FPort: 1, FCnt: 1207,
				Payload:    mustHex("02030e000364a079b10c60"),
				ReceivedAt: time.Date(2024, 3, 14, 9, 1, 12, 714083302, time.UTC),
				Gateways: []ingest.Gateway{
					{ID: "0011223344556677", RSSI: -104, SNR: 3.5, Location: umea},
				},
				Radio: ingest.Radio{FrequencyHz: 867100000, SpreadingFactor: 9,
					BandwidthHz: 125000},
				Decoded: map[string]any{
					"protocol_version": 2.0,
					"device_id":        782.0,
					"air_temperature": map[string]any{"displayName": "Air temperature",
						"unit": "°C", "value": 23.787670710307466},
					"air_humidity": map[string]any{"displayName": "Air humidity",
						"unit": "%", "value": 47.536430914778364},
					"battery_voltage": map[string]any{"displayName": "Battery voltage",
						"unit": "V", "value": 3.168},
				},
				Profile: ingest.ProfileHint{Vendor: "decentlab", Model: "dl-sht35",
					Firmware: "1.0"},
			},
		},
		{
			file: ttsDir + "tts-v3-up-normalized.json", dialect: ingest.DialectTTS,
			parse: tts.ParseUplink, vendor: "sensative", device: "strips",
			want: ingest.Uplink{
				DevEUI: "a1b2c3d4e5f6070b", DeviceName: "cellar-strip-07", FPort: 1, FCnt: 88,
				Payload:    mustHex("ffff01500200ea03000d000e001000"),
				ReceivedAt: time.Date(2024, 3, 14, 9, 30, 43, 997604250, time.UTC),
				Gateways:   []ingest.Gateway{{ID: "0011223344556688", RSSI: -112, SNR: -4.25}},
				Radio: ingest.Radio{FrequencyHz: 868100000, SpreadingFactor: 11,
					BandwidthHz: 125000},
				Decoded: map[string]any{
					"battery":          80.0,
					"flood":            map[string]any{"value": 0.0},
					"floodAlarm":       map[string]any{"value": false},
					"historySeqNr":     65535.0,
					"prevHistSeqNr":    65535.0,
					"tempAlarm":        map[string]any{"highAlarm": false, "lowAlarm": false},
					"temperature":      map[string]any{"value": 23.4},
					"userSwitch1Alarm": map[string]any{"value": false},
				},
			},
		},
	}
}

// TestSamples checks, for every uplink sample, that Detect picks its dialect, that its own
// parser gives the hand-written Uplink, that Parse gives the same with Source and Dialect
// set, and that the payload is the matching decoder vector.
func TestSamples(t *testing.T) {
	vectors := loadVectors(t)
	for _, tc := range uplinkSamples() {
		t.Run(tc.file[len("../../testdata/"):], func(t *testing.T) {
			body := readFile(t, tc.file)
			if got := Detect("", body); got != tc.dialect {
				t.Fatalf("Detect = %q, want %q", got, tc.dialect)
			}
			if got := Detect("application/json; charset=utf-8", body); got != tc.dialect {
				t.Fatalf("Detect with JSON Content-Type = %q, want %q", got, tc.dialect)
			}

			got, err := tc.parse(body)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			assertUplink(t, got, tc.want)

			m := ingest.Message{Source: "test-src", Body: body, Topic: "x/event/up"}
			viaParse, err := Parse(m)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tc.want
			want.Source, want.Dialect = "test-src", tc.dialect
			assertUplink(t, viaParse, want)

			key := tc.vendor + "/" + tc.device + "/" + hex.EncodeToString(got.Payload)
			if !vectors[key] {
				t.Errorf("payload %x is no %s/%s vector in %s", got.Payload, tc.vendor,
					tc.device, vectorsPath)
			}
		})
	}
}

// TestSamplesNotUplink checks that the join and downlink command samples are refused as
// non-uplinks, both by body alone and when the topic says so.
func TestSamplesNotUplink(t *testing.T) {
	tests := []struct {
		file    string
		dialect ingest.Dialect
		topic   string
	}{
		{chirpstackDir + "v4-json-join.json", ingest.DialectChirpStackV4,
			"application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/a1b2c3d4e5f60709/event/join"},
		{chirpstackDir + "v4-command-down.json", ingest.DialectChirpStackV4,
			"application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/a1b2c3d4e5f60709/command/down"},
		{chirpstackDir + "v3-command-down.json", ingest.DialectChirpStackV3,
			"application/12/device/a1b2c3d4e5f60708/command/down"},
	}
	for _, tc := range tests {
		t.Run(tc.file[len("../../testdata/"):], func(t *testing.T) {
			body := readFile(t, tc.file)
			if got := Detect("", body); got != tc.dialect {
				t.Fatalf("Detect = %q, want %q", got, tc.dialect)
			}
			for _, topic := range []string{"", tc.topic} {
				_, err := Parse(ingest.Message{Body: body, Topic: topic})
				assertSentinel(t, err, ingest.ErrNotUplink)
			}
		})
	}
}

func assertUplink(t *testing.T, got, want ingest.Uplink) {
	t.Helper()
	if !got.ReceivedAt.Equal(want.ReceivedAt) || got.ReceivedAt.Location() != time.UTC {
		t.Errorf("ReceivedAt = %v, want %v (UTC)", got.ReceivedAt, want.ReceivedAt)
	}
	got.ReceivedAt, want.ReceivedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("Uplink differs\ngot:  %s\nwant: %s", g, w)
	}
}

// loadVectors returns the set of "vendor/device/bytes_hex" in the decoder vectors file.
func loadVectors(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set := make(map[string]bool)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v struct {
			Vendor   string `json:"vendor"`
			Device   string `json:"device"`
			BytesHex string `json:"bytes_hex"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", vectorsPath, err)
		}
		set[v.Vendor+"/"+v.Device+"/"+v.BytesHex] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return set
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

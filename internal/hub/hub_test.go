package hub

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brocaar/chirpstack-api/go/v3/as/integration"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/vindel-hub/vindel/internal/config"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// uplinkCase is one uplink in one envelope dialect, and what its decoding must produce.
type uplinkCase struct {
	dialect string
	topic   string
	body    []byte
	devEUI  string
	values  map[string]float64 // observed property -> result
}

// v3ProtobufUplink encodes an Elsys ERS CO2 uplink as ChirpStack v3 does with its protobuf
// marshaler, using the real chirpstack-api types.
func v3ProtobufUplink(t *testing.T, eui []byte) []byte {
	t.Helper()
	payload := []byte{0x01, 0x00, 0xe2, 0x02, 0x29, 0x04, 0x00, 0x27, 0x05, 0x06, 0x06, 0x03, 0x08}
	ev := &integration.UplinkEvent{ApplicationId: 12, ApplicationName: "city-air-quality",
		DeviceName: "pb-room", DevEui: eui, FCnt: 9, FPort: 1, Data: payload}
	b, err := proto.Marshal(protoadapt.MessageV2Of(ev))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cases(t *testing.T) []uplinkCase {
	t.Helper()
	var v3json map[string]any
	if err := json.Unmarshal(sample(t, "chirpstack-samples/v3-json-up.json"), &v3json); err != nil {
		t.Fatal(err)
	}
	// The same uplink as the json_v3 sample would be a duplicate: give it to another device
	// with the ERS Sound vector's payload.
	v3json["devEUI"] = base64.StdEncoding.EncodeToString([]byte{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x10})
	v3json["data"] = base64.StdEncoding.EncodeToString(
		[]byte{0x01, 0x00, 0xe2, 0x02, 0x29, 0x04, 0x00, 0x27, 0x05, 0x06, 0x15, 0x01, 0x01})
	v3jsonBody, _ := json.Marshal(v3json)

	co2 := map[string]float64{"air_temperature": 22.6, "relative_humidity": 41, "illuminance": 39,
		"motion_count": 6, "co2": 776}
	return []uplinkCase{
		{"chirpstack v3 json_v3", "application/12/device/a1b2c3d4e5f60708/event/up",
			sample(t, "chirpstack-samples/v3-json_v3-up.json"), "a1b2c3d4e5f60708", co2},
		{"chirpstack v3 json", "application/12/device/a1b2c3d4e5f60710/event/up", v3jsonBody,
			"a1b2c3d4e5f60710", map[string]float64{"air_temperature": 22.6, "relative_humidity": 41,
				"illuminance": 39, "motion_count": 6, "sound_level_peak": 1, "sound_level_avg": 1}},
		{"chirpstack v3 protobuf", "application/12/device/a1b2c3d4e5f60716/event/up",
			v3ProtobufUplink(t, []byte{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x16}),
			"a1b2c3d4e5f60716", co2},
		{"chirpstack v4", "application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/a1b2c3d4e5f60709/event/up",
			sample(t, "chirpstack-samples/v4-json-up.json"), "a1b2c3d4e5f60709",
			map[string]float64{"battery_level": 92, "air_temperature": 30.8, "relative_humidity": 50.5,
				"co2": 1255}},
		{"the things stack v3", "v3/city-env@ttn/devices/park-sensor-0042/up",
			sample(t, "tts-samples/tts-v3-up.json"), "a1b2c3d4e5f6070a",
			map[string]float64{"air_temperature": 23.787670710307466,
				"relative_humidity": 47.536430914778364, "battery_voltage": 3.168}},
	}
}

var profiles = map[string]string{
	"a1b2c3d4e5f60708": "elsys/ers-co2", "a1b2c3d4e5f60710": "elsys/ers-sound",
	"a1b2c3d4e5f60716": "elsys/ers-co2", "a1b2c3d4e5f60709": "milesight-iot/am103",
	"a1b2c3d4e5f6070a": "decentlab/dl-sht35",
}

// TestEndToEndMosquitto is the main job through a real Mosquitto: uplinks of every dialect
// published to the broker, the hub subscribed as a client; each Observation must arrive on a
// WebSocket client and be queryable on /v1.1.
func TestEndToEndMosquitto(t *testing.T) {
	broker := testenv.Mosquitto(t)
	r := startHub(t, func(c *config.Config) {
		c.Broker.Enabled = false
		c.MQTT = []config.MQTTSource{{Broker: broker}} // no name: called mqtt-0
	})
	endToEnd(t, r, broker)
	if n := testutil.ToFloat64(r.h.metrics.Uplinks.WithLabelValues("mqtt-0", "decoded")); n == 0 {
		t.Error("no decoded uplinks counted under the source name mqtt-0")
	}
}

// TestEndToEndEmbeddedBroker is the same through the embedded broker of `make run`.
func TestEndToEndEmbeddedBroker(t *testing.T) {
	r := startHub(t, nil)
	endToEnd(t, r, r.h.BrokerURL())
}

func endToEnd(t *testing.T, r *running, broker string) {
	for eui, prof := range profiles {
		r.register(t, eui, prof, true)
	}
	r.register(t, "a1b2c3d4e5f607ff", "elsys/ers-co2", false) // private: must never appear
	frames := wsClient(t, r.base, "")
	pub := publisher(t, broker)

	want := map[string]float64{} // "devEUI property" -> result
	for _, c := range cases(t) {
		publish(t, pub, c.topic, c.body)
		for p, v := range c.values {
			want[c.devEUI+" "+p] = v
		}
	}
	var private map[string]any
	_ = json.Unmarshal(sample(t, "chirpstack-samples/v3-json_v3-up.json"), &private)
	private["devEUI"], private["fCnt"] = "a1b2c3d4e5f607ff", 1
	privBody, _ := json.Marshal(private)
	publish(t, pub, "application/12/device/a1b2c3d4e5f607ff/event/up", privBody)

	got := map[string]float64{}
	deadline := time.After(20 * time.Second)
	for len(got) < len(want) {
		select {
		case f := <-frames:
			key := fmt.Sprint(f["devEui"], " ", f["property"])
			if f["devEui"] == "a1b2c3d4e5f607ff" {
				t.Fatalf("observation of a private device streamed: %v", f)
			}
			res, _ := f["result"].(float64)
			got[key] = res
		case <-deadline:
			t.Fatalf("stream gave %d of %d observations: %v", len(got), len(want), got)
		}
	}
	for k, v := range want {
		if !near(got[k], v) {
			t.Errorf("stream %s = %v, want %v", k, got[k], v)
		}
	}
	checkSensorThings(t, r, want)
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

// checkSensorThings finds every streamed value again through /v1.1.
func checkSensorThings(t *testing.T, r *running, want map[string]float64) {
	t.Helper()
	var page struct {
		Count int `json:"@iot.count"`
		Value []struct {
			Name   string                              `json:"name"`
			Thing  struct{ Properties map[string]any } `json:"Thing"`
			Prop   struct{ Name string }               `json:"ObservedProperty"`
			Values []struct {
				Result any `json:"result"`
			} `json:"Observations"`
		} `json:"value"`
	}
	r.getJSON(t, "/v1.1/Datastreams?$count=true&$top=1000&$expand=Thing,ObservedProperty,Observations", &page)
	if page.Count != len(want) || len(page.Value) != len(want) {
		t.Fatalf("/v1.1/Datastreams: count %d, %d entities; want %d", page.Count, len(page.Value), len(want))
	}
	for _, ds := range page.Value {
		key := fmt.Sprint(ds.Thing.Properties["devEui"], " ", ds.Prop.Name)
		v, ok := want[key]
		if !ok || len(ds.Values) != 1 {
			t.Errorf("datastream %q (%s): %d observations, expected value known: %v", ds.Name, key,
				len(ds.Values), ok)
			continue
		}
		if res, _ := ds.Values[0].Result.(float64); !near(res, v) {
			t.Errorf("%s: /v1.1 result %v, want %v", key, ds.Values[0].Result, v)
		}
	}
	var obs struct {
		Count int `json:"@iot.count"`
	}
	r.getJSON(t, "/v1.1/Observations?$count=true&$top=1", &obs)
	if obs.Count != len(want) {
		t.Errorf("/v1.1/Observations count %d, want %d", obs.Count, len(want))
	}
}

// TestWebhooks posts uplinks the way ChirpStack's HTTP integration (JSON and protobuf) and a
// The Things Stack webhook do, and finds their Observations on the stream.
func TestWebhooks(t *testing.T) {
	r := startHub(t, func(c *config.Config) { c.Webhook.Token = "hook-secret" })
	r.register(t, "a1b2c3d4e5f60709", "milesight-iot/am103", true)
	r.register(t, "a1b2c3d4e5f6070a", "decentlab/dl-sht35", true)
	r.register(t, "a1b2c3d4e5f60716", "elsys/ers-co2", true)
	frames := wsClient(t, r.base, "")

	posts := []struct {
		path, contentType string
		body              []byte
		token             string
		status            int
	}{
		{"/ingest/chirpstack?event=up", "application/json", sample(t, "chirpstack-samples/v4-json-up.json"),
			"hook-secret", http.StatusAccepted},
		{"/ingest/tts/uplink", "application/json", sample(t, "tts-samples/tts-v3-up.json"),
			"hook-secret", http.StatusAccepted},
		{"/ingest/chirpstack?event=up", "application/octet-stream",
			v3ProtobufUplink(t, []byte{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x16}),
			"hook-secret", http.StatusAccepted},
		{"/ingest/chirpstack?event=up", "application/json", []byte(`{}`), "wrong", http.StatusUnauthorized},
		{"/ingest/chirpstack?event=join", "application/json", sample(t, "chirpstack-samples/v4-json-join.json"),
			"hook-secret", http.StatusAccepted},
		{"/ingest/chirpstack?event=up", "application/json", []byte(`{"no":"dialect"}`),
			"hook-secret", http.StatusAccepted}, // kept, as malformed
	}
	for _, p := range posts {
		req, _ := http.NewRequest(http.MethodPost, r.base+p.path, bytes.NewReader(p.body))
		req.Header.Set("Content-Type", p.contentType)
		req.Header.Set("Authorization", "Bearer "+p.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != p.status {
			t.Errorf("POST %s: %s, want %d", p.path, resp.Status, p.status)
		}
	}

	seen := map[string]int{}
	deadline := time.After(15 * time.Second)
	for seen["a1b2c3d4e5f60709"] < 4 || seen["a1b2c3d4e5f6070a"] < 3 || seen["a1b2c3d4e5f60716"] < 5 {
		select {
		case f := <-frames:
			seen[fmt.Sprint(f["devEui"])]++
		case <-deadline:
			t.Fatalf("observations per device from the webhooks: %v; want 4, 3 and 5", seen)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, r.base+"/api/v1/uplinks", nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raws struct {
		Uplinks []struct{ Outcome, Source string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&raws); err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, u := range raws.Uplinks {
		outcomes[u.Outcome]++
	}
	if outcomes["decoded"] != 3 || outcomes["malformed"] != 1 {
		t.Errorf("raw uplinks by outcome %v, want 3 decoded and 1 malformed", outcomes)
	}
}

// TestStartFailsPlainly: a port in use stops start-up with an error naming it, after closing
// what was already opened, so a second hub on the same data dir can start afterwards.
func TestStartFailsPlainly(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := config.Default()
	cfg.DataDir, cfg.HTTP.Addr, cfg.Broker.Addr = t.TempDir(), taken.Addr().String(), "127.0.0.1:0"
	log := slog.New(slog.DiscardHandler)
	if _, err := New(context.Background(), cfg, log); err == nil ||
		!strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("New on a taken port: %v, want an error naming it", err)
	}
	cfg.HTTP.Addr = "127.0.0.1:0"
	h, err := New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("New after a failed start on the same data dir: %v", err)
	}
	h.close()
}

// TestBadSourceFailsFirst checks that a misconfigured MQTT source stops start-up before the
// hub creates or opens anything in its data directory.
func TestBadSourceFailsFirst(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.MQTT = []config.MQTTSource{{Broker: "tcp://127.0.0.1:1", Dialect: "bogus"}}
	_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), `mqtt source "mqtt-0"`) ||
		!strings.Contains(err.Error(), "chirpstack-v4-json") {
		t.Fatalf("New with a bogus dialect = %v, want an error naming mqtt-0 and the dialects", err)
	}
	if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("data dir touched before the sources were checked: %v", err)
	}
}

// TestRetentionChecked: a raw uplink retention shorter than the de-duplication window, or
// negative, stops start-up before the data directory is touched; one as long starts.
func TestRetentionChecked(t *testing.T) {
	for _, tc := range []struct{ keep, window time.Duration }{
		{-time.Hour, time.Hour}, {30 * time.Minute, time.Hour},
		{time.Minute, 0}, {time.Minute, -time.Hour}, // no window set: the pipeline's hour
	} {
		keep := tc.keep
		cfg := config.Default()
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
		cfg.Archive.Retention, cfg.Pipeline.DedupWindow = keep, tc.window
		_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "archive.retention") {
			t.Fatalf("New with retention %v = %v, want an error naming archive.retention", keep, err)
		}
		if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("retention %v: data dir touched: %v", keep, err)
		}
	}
	cfg := config.Default()
	cfg.DataDir, cfg.HTTP.Addr, cfg.Broker.Enabled = t.TempDir(), "127.0.0.1:0", false
	cfg.Archive.Retention = cfg.Pipeline.DedupWindow
	h, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("New with retention equal to the window: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	cancel() // the retention loop runs once at start and stops with the hub
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestReservedSourceNames: an MQTT source may not take a name the hub's own ingest uses,
// which would mix their uplinks in metrics and the archive.
func TestReservedSourceNames(t *testing.T) {
	for _, name := range []string{"redecode", "http-tts", "http-chirpstack"} {
		cfg := config.Default()
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
		cfg.MQTT = []config.MQTTSource{{Name: name, Broker: "tcp://127.0.0.1:1"}}
		_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "the hub's own") {
			t.Errorf("source named %q: %v, want it refused", name, err)
		}
	}
}

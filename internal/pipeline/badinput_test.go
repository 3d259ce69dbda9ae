package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
	"github.com/vindel-hub/vindel/internal/testenv"
)

const (
	elsysEUI    = "a1b2c3d4e5f60708" // the sample's device: an Elsys ERS CO2
	draginoEUI  = "a1b2c3d4e5f60713"
	strangerEUI = "ffffffffffffffff"
)

// TestBadInput feeds every kind of bad input the issue lists, one after another, and checks
// that each is counted under its outcome, kept raw where the DevEUI is known, logged at Warn
// and that the hub goes on to decode the next good message.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, elsysEUI, "elsys/ers-co2")
	e.register(t, draginoEUI, "dragino/lht65")

	huge := strings.Repeat("A", 90<<10) // base64 of about 67 KiB: over the 64 KiB limit
	tests := []struct {
		name    string
		body    []byte
		outcome store.Outcome
		devEUI  string // where the raw uplink must be kept; empty: only counted
	}{
		{"not JSON", []byte("\x00\x01 definitely not json"), store.OutcomeMalformed, ""},
		{"JSON of no known dialect", []byte(`{"hello":"world","n":1}`), store.OutcomeMalformed, ""},
		{"broken base64", v3Uplink(t, func(m map[string]any) { m["data"] = "%%%not base64" }),
			store.OutcomeMalformed, elsysEUI},
		{"no DevEUI", v3Uplink(t, func(m map[string]any) { delete(m, "devEUI") }),
			store.OutcomeMalformed, ""},
		{"oversized payload", v3Uplink(t, func(m map[string]any) { m["data"] = huge }),
			store.OutcomeMalformed, elsysEUI},
		{"unknown DevEUI", v3Uplink(t, func(m map[string]any) { m["devEUI"] = strangerEUI }),
			store.OutcomeUnknownDevice, strangerEUI},
		{"payload the decoder rejects", v3Uplink(t, func(m map[string]any) {
			m["data"] = hexPayload("0100") // an Elsys temperature record cut short
			m["fCnt"] = 4712
		}), store.OutcomeDecodeError, elsysEUI},
		{"FPort the profile does not know", v3Uplink(t, func(m map[string]any) {
			m["devEUI"] = draginoEUI
			m["fPort"] = 42
			m["data"] = hexPayload("cbf60b0d0376010add7fff")
		}), store.OutcomeDecodeError, draginoEUI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := counter(e, "test", tt.outcome)
			e.send(t, "test", tt.body)
			waitFor(t, string(tt.outcome)+" counted", func() bool {
				return counter(e, "test", tt.outcome) == before+1
			})
			if tt.devEUI == "" {
				return
			}
			raws, err := e.st.Raw(context.Background(), tt.devEUI, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(raws) == 0 || raws[len(raws)-1].Outcome != tt.outcome ||
				string(raws[len(raws)-1].Envelope) != string(tt.body) {
				t.Fatalf("raw uplink of %s not kept with outcome %s: %+v", tt.devEUI, tt.outcome, raws)
			}
			if raws[len(raws)-1].Detail == "" {
				t.Error("raw uplink kept without the reason")
			}
		})
	}

	// The hub keeps serving: the good sample decodes into the five values the vendor documents.
	e.send(t, "test", v3Uplink(t, nil))
	waitFor(t, "decoded", func() bool { return counter(e, "test", store.OutcomeDecoded) == 1 })
	waitFor(t, "published", func() bool { return len(e.pub.published()) == 5 })
	if n := len(e.pub.published()); n != 5 {
		t.Fatalf("published %d observations, want 5", n)
	}
	if !strings.Contains(e.logs.String(), "level=WARN") {
		t.Error("no bad input was logged at Warn")
	}
}

// TestWarnRateLimited checks that one device sending bad payloads over and over is logged a
// few times only, while every message is still counted and kept.
func TestWarnRateLimited(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, elsysEUI, "elsys/ers-co2")
	const n = 50
	for i := range n {
		e.send(t, "test", v3Uplink(t, func(m map[string]any) {
			m["data"] = hexPayload("0100")
			m["fCnt"] = 5000 + i
		}))
	}
	waitFor(t, "all counted", func() bool { return counter(e, "test", store.OutcomeDecodeError) == n })
	warns := strings.Count(e.logs.String(), "level=WARN")
	if warns == 0 || warns > 5 {
		t.Errorf("%d warnings for %d bad uplinks of one device, want between 1 and 5", warns, n)
	}
	raws, err := e.st.Raw(context.Background(), elsysEUI, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(raws) != n {
		t.Errorf("kept %d raw uplinks, want %d", len(raws), n)
	}
}

// TestDuplicateStoredOnce sends the same uplink as a second gateway or a redelivery would.
func TestDuplicateStoredOnce(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, elsysEUI, "elsys/ers-co2")
	body := v3Uplink(t, nil)
	e.send(t, "mqtt", body)
	e.send(t, "http", v3Uplink(t, func(m map[string]any) {
		m["rxInfo"] = []any{map[string]any{"gatewayID": "0011223344556699", "rssi": -110}}
	}))
	// The two may be decoded in either order; exactly one of them is the duplicate.
	waitFor(t, "one decoded, one duplicate", func() bool {
		return counter(e, "http", store.OutcomeDuplicate)+counter(e, "mqtt", store.OutcomeDuplicate) == 1 &&
			counter(e, "http", store.OutcomeDecoded)+counter(e, "mqtt", store.OutcomeDecoded) == 1
	})
	if err := e.st.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, err := e.st.Count(context.Background(), 0, zeroTime, zeroTime)
	if err != nil || n != 5 {
		t.Fatalf("stored %d observations (err %v), want the 5 of one uplink", n, err)
	}
}

// TestObservations checks the mapping of one decoded uplink: Datastreams created on first sight
// with the profile's units, ids increasing, phenomenonTime the network server's reception time.
func TestObservations(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	dev := e.register(t, elsysEUI, "elsys/ers-co2")
	e.send(t, "test", v3Uplink(t, nil))
	waitFor(t, "published", func() bool { return len(e.pub.published()) == 5 })

	snap := e.reg.All()
	want := map[string]struct {
		v    float64
		unit string
	}{
		"air_temperature": {22.6, "Cel"}, "relative_humidity": {41, "%"}, "illuminance": {39, "lx"},
		"motion_count": {6, "{count}"}, "co2": {776, "[ppm]"},
	}
	var last uint64
	for _, o := range e.pub.published() {
		ds, ok := snap.Datastream(o.DatastreamID)
		if !ok || ds.ThingID != dev.ID {
			t.Fatalf("observation %d: datastream %d not registered for the device", o.ID, o.DatastreamID)
		}
		w, ok := want[ds.Property]
		if !ok || o.Result != model.Number(w.v) || ds.Unit.UCUM != w.unit {
			t.Errorf("%s = %v %s, want %v %s", ds.Property, o.Result, ds.Unit.UCUM, w.v, w.unit)
		}
		if o.ID <= last {
			t.Errorf("ids not increasing: %d after %d", o.ID, last)
		}
		last = o.ID
		if got := o.PhenomenonTime.Format("2006-01-02T15:04:05.000000Z"); got != "2024-03-14T08:15:02.123456Z" {
			t.Errorf("phenomenonTime %s, want the gateway's reception time", got)
		}
	}
	if len(snap.DatastreamsOf(dev.ID)) != 5 {
		t.Errorf("%d datastreams, want 5", len(snap.DatastreamsOf(dev.ID)))
	}
}

// TestWarnRateLimitedOverAllDevices: uplinks of many unregistered devices, each once, are
// counted every one, while the log gets a bounded number of lines that say what was left out.
func TestWarnRateLimitedOverAllDevices(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	const n = 200
	for i := range n {
		e.send(t, "test", v3Uplink(t, func(m map[string]any) { m["devEUI"] = fmt.Sprintf("00000000%08x", i) }))
	}
	waitFor(t, "all counted", func() bool { return counter(e, "test", store.OutcomeUnknownDevice) == n })
	if warns := strings.Count(e.logs.String(), "level=WARN"); warns == 0 || warns > 15 {
		t.Errorf("%d warnings for %d unknown devices, want between 1 and 15", warns, n)
	}
}

// TestDuplicateAcrossRestart: the de-duplication window is rebuilt from the archive, so a
// broker redelivering an uplink to a restarted hub does not store it twice, while the same
// device's uplink with a new reception time (a replay, an FCnt restart) is new data.
func TestDuplicateAcrossRestart(t *testing.T) {
	e := newEnv(t)
	e.register(t, elsysEUI, "elsys/ers-co2")
	body := v3Uplink(t, nil)
	e.send(t, "mqtt", body)
	waitFor(t, "decoded", func() bool { return counter(e, "mqtt", store.OutcomeDecoded) == 1 })
	e.stop()

	again := newEnvOn(t, e)
	defer again.stop()
	again.send(t, "mqtt", body)
	later := v3Uplink(t, func(m map[string]any) {
		m["rxInfo"] = []any{map[string]any{"gatewayID": "0011223344556677", "rssi": -97,
			"time": "2024-03-14T09:15:02.123456Z"}}
	})
	again.send(t, "mqtt", later)
	waitFor(t, "redelivery dropped", func() bool {
		return counter(again, "mqtt", store.OutcomeDuplicate) == 1 &&
			counter(again, "mqtt", store.OutcomeDecoded) == 1
	})
}

// brokenStore refuses every write of Observations, as a full disk would.
type brokenStore struct{ *memstore.Store }

func (brokenStore) Append(context.Context, []model.Observation) error {
	return errors.New("disk full")
}

// TestStoreRefuses: when the store refuses the Observations, the uplink's raw envelope is
// kept as store_error with the reason, so it can be decoded again, and nothing is published.
func TestStoreRefuses(t *testing.T) {
	e := newEnv(t)
	e.stop()
	broken := &env{reg: e.reg, st: e.st, logs: &testenv.Buffer{}}
	broken.store = brokenStore{e.st}
	broken = start(t, broken)
	defer broken.stop()
	broken.register(t, elsysEUI, "elsys/ers-co2")
	broken.send(t, "test", v3Uplink(t, nil))
	waitFor(t, "store_error counted", func() bool { return counter(broken, "test", store.OutcomeStoreError) == 1 })
	raws, err := e.st.Raw(context.Background(), elsysEUI, 0, 0)
	if err != nil || len(raws) != 1 || raws[0].Outcome != store.OutcomeStoreError ||
		!strings.Contains(raws[0].Detail, "disk full") {
		t.Fatalf("raw uplinks %+v, %v; want one kept as store_error naming the cause", raws, err)
	}
	if n := len(broken.pub.published()); n != 0 {
		t.Errorf("%d observations published although none was stored", n)
	}
}

// TestDeviceTimestamp: a Milesight AM103 history record carries the time the device logged
// it; that becomes the phenomenonTime, while the resultTime stays the reception time.
func TestDeviceTimestamp(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, "a1b2c3d4e5f60709", "milesight-iot/am103")
	// 20 CE: a history record; timestamp 2024-03-14T08:20:00Z, 30.8 °C, 50.5 %, 1255 ppm.
	payload := hexPayload("20ce30b3f265340165e704")
	e.send(t, "test", []byte(`{"deduplicationId":"h1","time":"2024-03-14T09:00:00Z",`+
		`"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},"fCnt":7,"fPort":85,"data":"`+payload+`"}`))
	waitFor(t, "published", func() bool { return len(e.pub.published()) == 3 })

	logged := time.Date(2024, 3, 14, 8, 20, 0, 0, time.UTC)
	received := time.Date(2024, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, o := range e.pub.published() {
		if !o.PhenomenonTime.Equal(logged) || !o.ResultTime.Equal(received) {
			t.Errorf("observation %d: phenomenonTime %v, resultTime %v; want %v and %v",
				o.ID, o.PhenomenonTime, o.ResultTime, logged, received)
		}
	}
}

// TestJavascriptDecoder: the Browan TBHV110 profile decodes through its sandboxed
// decodeUplink script (firmware-profiles/browan/tabs.js) to the vendor's published vector.
func TestJavascriptDecoder(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, "a1b2c3d4e5f60720", "browan/tbhv110")
	e.send(t, "test", []byte(`{"deduplicationId":"j1","time":"2024-03-14T09:00:00Z",`+
		`"deviceInfo":{"devEui":"a1b2c3d4e5f60720"},"fCnt":3,"fPort":103,"data":"`+
		hexPayload("610b351ebf030100510036")+`"}`))
	waitFor(t, "published", func() bool { return len(e.pub.published()) == 5 })
	want := map[string]float64{"air_temperature": 22, "relative_humidity": 30, "co2": 959,
		"tvoc": 1, "battery_voltage": 3.6}
	snap := e.reg.All()
	for _, o := range e.pub.published() {
		ds, _ := snap.Datastream(o.DatastreamID)
		if w, ok := want[ds.Property]; !ok || o.Result != model.Number(w) {
			t.Errorf("%s = %v, want %v", ds.Property, o.Result, w)
		}
	}
}

// TestImplausibleTimes: a network server or device clock far in the future, or never set,
// does not become the phenomenonTime (it would stand as the latest value for good): the
// reception time, or the arrival time, stands in for it.
func TestImplausibleTimes(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, "a1b2c3d4e5f60709", "milesight-iot/am103")
	for i, ts := range []string{"2200-01-01T00:00:00Z", "3000-01-01T00:00:00Z", "1970-01-01T00:00:10Z"} {
		e.send(t, "test", []byte(fmt.Sprintf(`{"time":%q,"deviceInfo":{"devEui":"a1b2c3d4e5f60709"},`+
			`"fCnt":%d,"fPort":85,"data":"AXVcA2c0AQRoZQd95wQ="}`, ts, 100+i)))
	}
	waitFor(t, "published", func() bool { return len(e.pub.published()) == 12 })
	for _, o := range e.pub.published() {
		if d := time.Since(o.PhenomenonTime); d < 0 || d > time.Minute || !o.PhenomenonTime.Equal(o.ResultTime) {
			t.Errorf("observation %d: phenomenonTime %v, resultTime %v; want both the arrival time",
				o.ID, o.PhenomenonTime, o.ResultTime)
		}
	}
	if counter(e, "test", store.OutcomeDecoded) != 3 || counter(e, "test", store.OutcomeStoreError) != 0 {
		t.Error("implausible times were not decoded and stored as usual")
	}
}

// TestMalformedKeptUnderTopicDevEUI: an envelope that cannot be read, or names no DevEUI,
// arriving on a ChirpStack topic is kept raw under the DevEUI the topic names, so the
// device's owner finds it; its outcome stays malformed.
func TestMalformedKeptUnderTopicDevEUI(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	e.register(t, elsysEUI, "elsys/ers-co2")
	topic := "application/1/device/" + strings.ToUpper(elsysEUI) + "/event/up"
	bodies := [][]byte{
		[]byte(`{"devEUI": "a1b2`), // cut short
		v3Uplink(t, func(m map[string]any) { delete(m, "devEUI") }),
	}
	for i, body := range bodies {
		before := counter(e, "test", store.OutcomeMalformed)
		e.sendOn(t, "test", topic, body)
		waitFor(t, "malformed counted", func() bool {
			return counter(e, "test", store.OutcomeMalformed) == before+1
		})
		raws, err := e.st.Raw(context.Background(), elsysEUI, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(raws) != i+1 || raws[i].Outcome != store.OutcomeMalformed ||
			string(raws[i].Envelope) != string(body) || raws[i].DevEUI != elsysEUI {
			t.Fatalf("body %d: device's raw uplinks %+v, want it kept as malformed", i, raws)
		}
	}
}

package sensorthings

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

// catalog is a devices.Catalog over a full snapshot; Public applies the real visibility
// rule, so the tests check the handler against what PublicView lets through.
type catalog struct{ all *devices.Snapshot }

func (c catalog) Public() *devices.Snapshot { return devices.PublicView(c.all) }

var day0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// The seed, shaped after the OGC suites' (specs §3):
//
//	Thing 1 "Weather station" (public, located): Datastream 10 with results 1…12 on
//	  consecutive days (Observations 1…12), Datastream 11 with none.
//	Thing 2 "Hidden sensor" (private, located): Datastream 20, Sensor 2, ObservedProperty
//	  2, Observations 13…24 with results 1…12 — none of it may ever be served.
//	Thing 3 "Bridge counter" (public, no location): Datastream 30 with Observation 25,
//	  result -5 (matches none of the precedence filters and sorts below '3').
func seedSnapshot() *devices.Snapshot {
	created := time.Date(2023, 6, 1, 8, 0, 0, 0, time.UTC)
	devs := []*devices.Device{
		{ID: 1, DevEUI: "a81758fffe000001", Name: "Weather station", Description: "ERS CO2 on a roof",
			Profile: "elsys/ers-co2", Firmware: "1.2", Owner: "Sundsvall kommun", Licence: "CC0-1.0",
			Public: true, Tags: map[string]string{"area": "centrum", "b": "2"}, Created: created,
			Location: &devices.Location{Latitude: 62.39, Longitude: 17.30, Altitude: 12,
				Name: "Storgatan 12, roof"},
			LocationTime: created.Add(time.Hour)},
		{ID: 2, DevEUI: "a81758fffe000002", Name: "Hidden sensor", Profile: "elsys/ers",
			Licence: "CC0-1.0", Public: false, Created: created,
			Location: &devices.Location{Latitude: 62.0, Longitude: 17.0}},
		{ID: 3, DevEUI: "a81758fffe000003", Name: "Bridge counter", Profile: "acme/counter",
			Licence: "CC-BY-4.0", Public: true, Created: created},
	}
	sensors := []*model.Sensor{
		{ID: 1, Key: "elsys/ers-co2@1", Name: "Elsys ERS CO2", Description: "Indoor climate",
			Metadata: "https://example.org/ers-co2.pdf"},
		{ID: 2, Key: "elsys/ers@1", Name: "Hidden ERS", Metadata: "https://example.org/ers"},
		{ID: 3, Key: "acme/counter@1", Name: "Counter", Description: "Traffic counter",
			Metadata: "https://example.org/counter"},
	}
	props := []*model.ObservedProperty{
		{ID: 1, Name: "air_temperature", Description: "Air temperature",
			Definition: "http://vocab.nerc.ac.uk/standard_name/air_temperature/"},
		{ID: 2, Name: "relative_humidity", Definition: "http://example.org/rh", Description: "RH"},
		{ID: 3, Name: "vehicle_count", Definition: "http://example.org/vc", Description: "Vehicles"},
	}
	celsius := model.Unit{Name: "degree Celsius", Symbol: "°C",
		Definition: "http://unitsofmeasure.org/ucum.html#para-30"}
	streams := []*model.Datastream{
		{ID: 10, ThingID: 1, SensorID: 1, ObservedPropertyID: 1, Name: "Temperature",
			Description: "Air temperature at the station", Unit: celsius,
			ObservationType: model.OMMeasurement},
		{ID: 11, ThingID: 1, SensorID: 1, ObservedPropertyID: 1, Name: "Backup temperature",
			Description: "Second probe", Unit: celsius, ObservationType: model.OMMeasurement},
		{ID: 20, ThingID: 2, SensorID: 2, ObservedPropertyID: 2, Name: "Humidity",
			Description: "Private", Unit: model.Unit{Name: "percent", Symbol: "%"},
			ObservationType: model.OMMeasurement},
		{ID: 30, ThingID: 3, SensorID: 3, ObservedPropertyID: 3, Name: "Vehicles",
			Description: "Vehicles per hour", Unit: model.Unit{Name: "count", Symbol: "{count}"},
			ObservationType: model.OMCountObs},
	}
	return devices.NewSnapshot(devs, sensors, props, streams)
}

func seedObservations() []model.Observation {
	var obs []model.Observation
	for i := 1; i <= 12; i++ {
		t := day0.AddDate(0, 0, i-1)
		obs = append(obs, model.Observation{ID: uint64(i), DatastreamID: 10, PhenomenonTime: t,
			ResultTime: t.Add(time.Minute), Result: model.Number(float64(i))})
	}
	for i := 1; i <= 12; i++ {
		t := day0.AddDate(0, 0, i-1).Add(6 * time.Hour)
		obs = append(obs, model.Observation{ID: uint64(12 + i), DatastreamID: 20,
			PhenomenonTime: t, ResultTime: t, Result: model.Number(float64(i))})
	}
	t := day0.AddDate(0, 0, 4).Add(12 * time.Hour)
	return append(obs, model.Observation{ID: 25, DatastreamID: 30, PhenomenonTime: t,
		Result: model.Number(-5)})
}

// server is the handler mounted as the caller mounts it, under /v1.1 with the prefix
// stripped.
type server struct {
	*httptest.Server
	st   *countingStore
	root string // the service root URL
}

func newServer(t testing.TB, snap *devices.Snapshot, obs []model.Observation,
	opt Options) *server {
	t.Helper()
	st := newTestStore(obs)
	mux := http.NewServeMux()
	mux.Handle("/v1.1/", http.StripPrefix("/v1.1", New(catalog{snap}, st, opt, nil)))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &server{Server: ts, st: st, root: ts.URL + "/v1.1"}
}

func seeded(t testing.TB) *server {
	t.Helper()
	return newServer(t, seedSnapshot(), seedObservations(), Options{})
}

// get fetches a path (relative to the service root) or an absolute URL, and returns the
// status and body.
func (s *server) get(t testing.TB, path string) (int, []byte) {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.root + path
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, body
}

// getJSON fetches and decodes a 200 JSON object.
func (s *server) getJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	status, body := s.get(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", path, status, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return m
}

// values returns the "value" array of a collection response.
func values(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["value"].([]any)
	if !ok {
		t.Fatalf("no value array in %v", m)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

// q escapes a query the way a client would (spaces as %20, '+' as %2B).
func q(s string) string {
	r := strings.NewReplacer(" ", "%20", "+", "%2B", "#", "%23")
	return r.Replace(s)
}

func results(t testing.TB, items []map[string]any) []float64 {
	t.Helper()
	out := make([]float64, len(items))
	for i, it := range items {
		f, ok := it["result"].(float64)
		if !ok {
			t.Fatalf("item %v has no numeric result", it)
		}
		out[i] = f
	}
	return out
}

func ids(t testing.TB, items []map[string]any) []int64 {
	t.Helper()
	out := make([]int64, len(items))
	for i, it := range items {
		f, ok := it["@iot.id"].(float64)
		if !ok {
			t.Fatalf("item %v has no @iot.id", it)
		}
		out[i] = int64(f)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

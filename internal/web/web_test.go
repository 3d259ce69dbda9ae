package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
)

// testCatalog serves the public view of a fixed registry.
type testCatalog struct {
	pub atomic.Pointer[devices.Snapshot]
}

func (c *testCatalog) Public() *devices.Snapshot { return c.pub.Load() }

// t0 is when the test Observations were measured.
var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// fixture returns a catalogue with a public device (Datastreams 11 and 12) and a private one
// (31), and a memstore holding Observations of 11 and 31.
func fixture(t *testing.T) (*testCatalog, *memstore.Store) {
	t.Helper()
	devs := []*devices.Device{
		{ID: 1, DevEUI: "70b3d57ed0000001", Name: "Storgatan <12> roof", Public: true,
			Licence: "CC0-1.0", Location: &devices.Location{Latitude: 59.8586,
				Longitude: 17.6389, Name: "Storgatan 12"}},
		{ID: 3, DevEUI: "70b3d57ed0000003", Name: "Secret basement", Public: false},
	}
	cel := model.Unit{Name: "degree Celsius", Symbol: "°C", UCUM: "Cel"}
	streams := []*model.Datastream{
		{ID: 11, ThingID: 1, DevEUI: devs[0].DevEUI, Name: "Air temperature",
			Property: "air_temperature", Unit: cel},
		{ID: 12, ThingID: 1, DevEUI: devs[0].DevEUI, Property: "relative_humidity",
			Unit: model.Unit{Name: "percent", Symbol: "%", UCUM: "%"}},
		{ID: 31, ThingID: 3, DevEUI: devs[1].DevEUI, Name: "Hidden", Unit: cel},
	}
	cat := &testCatalog{}
	cat.pub.Store(devices.PublicView(devices.NewSnapshot(devs, nil, nil, streams)))

	st := memstore.New()
	obs := []model.Observation{
		{ID: 1, DatastreamID: 11, PhenomenonTime: t0.Add(5 * time.Second),
			Result: model.Number(21.5)},
		{ID: 2, DatastreamID: 31, PhenomenonTime: t0, Result: model.Number(99.9)},
		{ID: 3, DatastreamID: 11, PhenomenonTime: t0, Result: model.Number(18)}, // late, older
	}
	if err := st.Append(context.Background(), obs); err != nil {
		t.Fatal(err)
	}
	return cat, st
}

// get serves one request and returns the response and body.
func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPage(t *testing.T) {
	cat, st := fixture(t)
	res, body := get(t, New(cat, st, slog.New(slog.DiscardHandler)), "GET", "/")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, got, want string
	}{
		{"device name, escaped", text(find(doc, "h2", "", "")), "Storgatan <12> roof"},
		{"DevEUI", text(find(doc, "code", "", "")), "70b3d57ed0000001"},
		{"latest value by phenomenonTime", text(cell(doc, "11", "data-value", "")), "21.5"},
		{"unit symbol", text(cell(doc, "11", "title", "degree Celsius")), "°C"},
		{"time for people", text(cell(doc, "11", "datetime", "")), "2025-03-01 10:00:05 UTC"},
		{"time for machines", attr(cell(doc, "11", "datetime", ""), "datetime"),
			"2025-03-01T10:00:05Z"},
		{"Datastream named by its property", text(find(find(doc, "tr", "data-datastream",
			"12"), "th", "", "")), "relative_humidity"},
		{"no value yet", text(cell(doc, "12", "data-value", "")), noValue},
		{"resume offset", attr(find(doc, "body", "", ""), "data-head"), "3"},
		{"SensorThings link", text(find(doc, "a", "href", "/v1.1")), "SensorThings API 1.1"},
		{"stream link", text(find(doc, "a", "href", "/v1/stream")), "Live stream"},
		{"metrics link", text(find(doc, "a", "href", "/metrics")), "Metrics"},
		{"language", attr(find(doc, "html", "", ""), "lang"), "en"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	for _, secret := range []string{"Secret basement", "70b3d57ed0000003", "99.9", "Hidden"} {
		if strings.Contains(body, secret) {
			t.Errorf("the page shows %q of the private device", secret)
		}
	}
}

func TestPageScriptMatchesPolicy(t *testing.T) {
	cat, st := fixture(t)
	res, body := get(t, New(cat, st, nil), "GET", "/")
	doc, _ := html.Parse(strings.NewReader(body))
	var inline string
	if n := find(doc, "script", "", ""); n != nil && n.FirstChild != nil {
		inline = n.FirstChild.Data // untrimmed: the hash covers every byte
	}
	csp := res.Header.Get("Content-Security-Policy")
	if inline == "" || !strings.Contains(csp, "script-src "+hashSource(inline)) {
		t.Errorf("the inline script (%d bytes) does not match the policy %q", len(inline), csp)
	}
	if strings.Contains(body, "://cdn") || strings.Contains(body, "src=\"http") {
		t.Error("the page loads something from elsewhere")
	}
}

func TestPageRoutes(t *testing.T) {
	cat, st := fixture(t)
	h := New(cat, st, nil)
	cases := []struct {
		method, path string
		status       int
		empty        bool
	}{
		{"GET", "/", 200, false},
		{"HEAD", "/", 200, true},
		{"POST", "/", 405, false},
		{"GET", "/favicon.ico", 404, false},
		{"GET", "/index.html", 404, false},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res, body := get(t, h, tc.method, tc.path)
			if res.StatusCode != tc.status || (body == "") != tc.empty {
				t.Errorf("got %d with %d bytes, want %d (empty %t)", res.StatusCode, len(body),
					tc.status, tc.empty)
			}
		})
	}
}

// failingStore is a memstore whose Latest fails.
type failingStore struct{ *memstore.Store }

func (failingStore) Latest(context.Context) (map[int64]model.Observation, error) {
	return nil, errors.New("disk on fire")
}

var _ store.Store = failingStore{}

func TestPageWhenStoreFails(t *testing.T) {
	cat, st := fixture(t)
	res, body := get(t, New(cat, failingStore{st}, nil), "GET", "/")
	doc, _ := html.Parse(strings.NewReader(body))
	if res.StatusCode != 200 || !strings.Contains(text(find(doc, "p", "role", "alert")),
		"could not be read") {
		t.Errorf("got %d without the notice", res.StatusCode)
	}
	if got := text(cell(doc, "11", "data-value", "")); got != noValue {
		t.Errorf("value %q without a store, want %q", got, noValue)
	}
}

func TestNumberText(t *testing.T) {
	cases := []struct {
		in   float64
		want string // what JavaScript's String(x) gives
	}{
		{21.5, "21.5"}, {0, "0"}, {-3, "-3"}, {1e6, "1000000"},
		{0.30000000000000004, "0.30000000000000004"},
		{1e21, "1e+21"}, {123456789.125, "123456789.125"}, {0.000001, "0.000001"},
	}
	for _, tc := range cases {
		if got := numberText(tc.in); got != tc.want {
			t.Errorf("numberText(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

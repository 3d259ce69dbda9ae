package sensorthings

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

// bigSeed is one public Thing with Datastreams 1 and 2 and a private Thing with Datastream
// 3; the Observations of the three interleave, six at a time share a phenomenonTime (two of
// each Datastream), so the keyset must break ties by id.
func bigSeed(n int) (*devices.Snapshot, []model.Observation) {
	devs := []*devices.Device{
		{ID: 1, Name: "Station", Public: true, Location: &devices.Location{Latitude: 1}},
		{ID: 2, Name: "Private", Public: false},
	}
	sensors := []*model.Sensor{{ID: 1, Name: "S"}}
	props := []*model.ObservedProperty{{ID: 1, Name: "p"}}
	streams := []*model.Datastream{
		{ID: 1, ThingID: 1, SensorID: 1, ObservedPropertyID: 1, Name: "a"},
		{ID: 2, ThingID: 1, SensorID: 1, ObservedPropertyID: 1, Name: "b"},
		{ID: 3, ThingID: 2, SensorID: 1, ObservedPropertyID: 1, Name: "c"},
	}
	var obs []model.Observation
	t := day0
	for i := 1; i <= n; i++ {
		if i%6 == 1 {
			t = t.Add(time.Minute)
		}
		obs = append(obs, model.Observation{ID: uint64(i), DatastreamID: int64(1 + i%3),
			PhenomenonTime: t, ResultTime: t, Result: model.Number(float64(i))})
	}
	return devices.NewSnapshot(devs, sensors, props, streams), obs
}

// TestFollowNextLinks pages through 1,500 Observations in every keyset order and checks
// that each public Observation comes exactly once, in order, and that no page reads more
// than a page's worth from the store (keyset paging stays flat: specs §5 #1, #5).
func TestFollowNextLinks(t *testing.T) {
	snap, obs := bigSeed(1500)
	s := newServer(t, snap, obs, Options{})
	mod7 := func(o model.Observation) bool { return isStream(1)(o) && int(o.Result.Num)%7 == 0 }
	tests := []struct {
		path    string
		member  func(model.Observation) bool
		ordered func(a, b model.Observation) bool // a may precede b
	}{
		{"/Datastreams(1)/Observations?$top=97", isStream(1), timeAsc},
		{"/Datastreams(2)/Observations?$top=50&$orderby=" + q("phenomenonTime desc"),
			isStream(2), timeDesc},
		{"/FeaturesOfInterest(1)/Observations?$top=100", public, timeAsc},
		{"/Observations?$top=100", public, idAsc},
		{"/Observations?$top=100&$orderby=" + q("id desc"), public, idDesc},
		{"/Observations?$top=64&$orderby=phenomenonTime", public, timeAsc},
		{"/Datastreams(1)/Observations?$top=30&$filter=" + q("result mod 7 eq 0"), mod7, timeAsc},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var want []model.Observation
			for _, o := range obs {
				if tt.member(o) {
					want = append(want, o)
				}
			}
			slices.SortFunc(want, func(a, b model.Observation) int {
				if tt.ordered(a, b) {
					return -1
				}
				return 1
			})
			got := followAll(t, s, tt.path+"&$count=true", len(want))
			if !slices.Equal(got, observationIDs(want)) {
				t.Errorf("paging gave %d Observations, want %d, in order, once each",
					len(got), len(want))
			}
		})
	}
}

// followAll follows nextLinks from path to the end and returns the ids seen; every page
// must carry the same @iot.count and stay within checkPageCost.
func followAll(t *testing.T, s *server, path string, total int) []int64 {
	t.Helper()
	var seen []int64
	for page, next := 0, path; next != ""; page++ {
		s.st.resetCounts()
		m := s.getJSON(t, next)
		if m["@iot.count"] != float64(total) {
			t.Fatalf("page %d: @iot.count %v, want %d", page, m["@iot.count"], total)
		}
		seen = append(seen, ids(t, values(t, m))...)
		checkPageCost(t, s, page)
		next, _ = m["@iot.nextLink"].(string)
	}
	return seen
}

func observationIDs(obs []model.Observation) []int64 {
	out := make([]int64, len(obs))
	for i, o := range obs {
		out[i] = int64(o.ID)
	}
	return out
}

// checkPageCost: a page of at most 100 costs a bounded number of rows, whatever its depth
// (the count is read with store.Count, or, under a filter, by one full pass).
func checkPageCost(t *testing.T, s *server, page int) {
	t.Helper()
	_, rangeRows := s.st.count("Range")
	_, scanRows := s.st.count("Scan")
	if scanRows > 2*101 || rangeRows > 2*(256+1)+1500 {
		t.Fatalf("page %d read %d rows by Range and %d by Scan", page, rangeRows, scanRows)
	}
}

func isStream(id int64) func(model.Observation) bool {
	return func(o model.Observation) bool { return o.DatastreamID == id }
}

func public(o model.Observation) bool { return o.DatastreamID != 3 }

func timeAsc(a, b model.Observation) bool {
	return a.PhenomenonTime.Before(b.PhenomenonTime) ||
		a.PhenomenonTime.Equal(b.PhenomenonTime) && a.ID < b.ID
}

func timeDesc(a, b model.Observation) bool { return timeAsc(b, a) }
func idAsc(a, b model.Observation) bool    { return a.ID < b.ID }
func idDesc(a, b model.Observation) bool   { return a.ID > b.ID }

// TestDeepPageIsFlat: the 100th page of a Datastream reads no more rows than the first.
func TestDeepPageIsFlat(t *testing.T) {
	snap, obs := bigSeed(30000)
	s := newServer(t, snap, obs, Options{})
	next := "/Datastreams(1)/Observations?$top=100"
	var rows []int
	for page := 0; page < 100 && next != ""; page++ {
		s.st.resetCounts()
		m := s.getJSON(t, next)
		_, r := s.st.count("Range")
		rows = append(rows, r)
		next, _ = m["@iot.nextLink"].(string)
	}
	if len(rows) != 100 || rows[99] > rows[0] || rows[0] > 101 {
		t.Errorf("rows read per page: first %d, last %d over %d pages", rows[0], rows[len(rows)-1],
			len(rows))
	}
}

// TestPrivateNeverServed: what the public snapshot lacks is absent everywhere.
func TestPrivateNeverServed(t *testing.T) {
	s := seeded(t)
	for _, p := range []string{
		"/Things(2)", "/Locations(2)", "/HistoricalLocations(2)", "/FeaturesOfInterest(2)",
		"/Datastreams(20)", "/Sensors(2)", "/ObservedProperties(2)", "/Observations(13)",
		"/Observations(24)", "/Datastreams(10)/Observations(13)", "/Things(2)/Datastreams",
		"/Datastreams(20)/Observations", "/Observations(13)/Datastream",
		"/FeaturesOfInterest(2)/Observations", "/Observations(13)/result/$value",
		"/Sensors(2)/Datastreams/$ref",
	} {
		t.Run(p, func(t *testing.T) {
			if status, body := s.get(t, p); status != 404 {
				t.Errorf("status %d: %s", status, body)
			}
		})
	}
	for _, p := range []string{
		"/Things", "/Locations", "/HistoricalLocations", "/FeaturesOfInterest", "/Datastreams",
		"/Sensors", "/ObservedProperties", "/Observations?$top=1000",
		"/Observations?$orderby=phenomenonTime&$top=1000", "/Observations?$orderby=result&$top=1000",
		"/Observations?$filter=" + q("Datastream/Thing/name eq 'Hidden sensor'"),
		"/Things?$expand=" + q("Datastreams/Observations,Locations"),
		"/Sensors?$expand=Datastreams", "/ObservedProperties?$expand=" + q("Datastreams/Observations"),
		"/Observations?$expand=" + q("Datastream/Thing,FeatureOfInterest") + "&$top=1000",
	} {
		t.Run(p, func(t *testing.T) {
			_, body := s.get(t, p)
			for _, secret := range []string{"Hidden", "a81758fffe000002", "relative_humidity",
				"(20)", "(13)", "(24)", "Things(2)"} {
				if strings.Contains(string(body), secret) {
					t.Errorf("%q leaked: %s", secret, body)
				}
			}
		})
	}
	m := s.getJSON(t, "/Observations?$count=true")
	if m["@iot.count"] != 13.0 {
		t.Errorf("global @iot.count %v counts private Observations", m["@iot.count"])
	}
}

// BenchmarkObservationsPage measures one deep page of 100 Observations of a Datastream of
// 100,000, through the whole handler.
func BenchmarkObservationsPage(b *testing.B) {
	snap, obs := bigSeed(100000)
	st := newTestStore(obs)
	h := New(catalog{snap}, st, Options{BaseURL: "http://x/v1.1"}, nil)
	mid := obs[60000]
	target := fmt.Sprintf("/Datastreams(%d)/Observations?$top=100&$skiptoken=%s",
		mid.DatastreamID, formatToken("t", mid))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// TestRefNextLinkStaysRef: following the nextLink of a $ref page gives references again,
// page after page, each an object of exactly one key.
func TestRefNextLinkStaysRef(t *testing.T) {
	s := seeded(t)
	for _, start := range []string{"/Observations/$ref?$top=1", "/Datastreams(10)/Observations/$ref?$top=1"} {
		next, pages := start, 0
		for next != "" {
			m := s.getJSON(t, next)
			for _, v := range values(t, m) {
				if _, ok := v["@iot.selfLink"]; !ok || len(v) != 1 {
					t.Fatalf("%s page %d: %v is not a reference", start, pages, v)
				}
			}
			next, _ = m["@iot.nextLink"].(string)
			pages++
		}
		if pages < 2 {
			t.Errorf("%s: %d pages, want more than one to follow a nextLink", start, pages)
		}
	}
}

// TestTopCapped: a $top above MaxTop gives MaxTop entities and a nextLink that asks for
// MaxTop again, and following the links reaches every Observation once.
func TestTopCapped(t *testing.T) {
	s := newServer(t, seedSnapshot(), seedObservations(), Options{MaxTop: 4})
	all := ids(t, values(t, s.getJSON(t, "/Observations?$top=4&$count=true")))
	next, seen := "/Observations?$top=1000", map[int64]bool{}
	for pages := 0; next != ""; pages++ {
		m := s.getJSON(t, next)
		vs := values(t, m)
		if len(vs) > 4 {
			t.Fatalf("page %d has %d Observations, above MaxTop 4", pages, len(vs))
		}
		for _, id := range ids(t, vs) {
			if seen[id] {
				t.Fatalf("Observation %d on two pages", id)
			}
			seen[id] = true
		}
		next, _ = m["@iot.nextLink"].(string)
		if next != "" && !strings.Contains(next, "$top=4") {
			t.Fatalf("nextLink %s does not keep the capped $top", next)
		}
	}
	m := s.getJSON(t, "/Observations?$count=true&$top=0")
	if float64(len(seen)) != m["@iot.count"] || len(all) != 4 {
		t.Errorf("pages gave %d Observations, @iot.count %v", len(seen), m["@iot.count"])
	}
}

package sensorthings

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestTopSkipNextLink checks the pagination arithmetic of specs §3.3 on collections of
// several sizes: size = min(total − skip, top), nextLink iff skip + size < total, $top=0
// gives nothing, and the nextLink, followed, continues where the page ended.
func TestTopSkipNextLink(t *testing.T) {
	s := seeded(t)
	colls := []struct {
		path  string
		total int
	}{
		{"/Observations", 13}, {"/Datastreams(10)/Observations", 12}, {"/Datastreams", 3},
		{"/Things", 2}, {"/Things(1)/Datastreams", 2}, {"/FeaturesOfInterest(1)/Observations", 12},
	}
	type combo struct{ top, skip int }
	var combos []combo
	for _, top := range []int{0, 1, 2, 3, 4, 5, 12, 13} {
		combos = append(combos, combo{top, 0})
	}
	for _, skip := range []int{1, 2, 3, 4, 12} {
		combos = append(combos, combo{12, skip})
	}
	combos = append(combos, combo{-1, 2}) // $skip without $top
	for _, c := range colls {
		for _, cb := range combos {
			name := fmt.Sprintf("%s top=%d skip=%d", c.path, cb.top, cb.skip)
			t.Run(name, func(t *testing.T) { checkPage(t, s, c.path, c.total, cb.top, cb.skip) })
		}
	}
}

func checkPage(t *testing.T, s *server, path string, total, top, skip int) {
	t.Helper()
	opts := []string{"$count=true"}
	if top >= 0 {
		opts = append(opts, fmt.Sprintf("$top=%d", top))
	}
	if skip > 0 {
		opts = append(opts, fmt.Sprintf("$skip=%d", skip))
	}
	m := s.getJSON(t, path+"?"+strings.Join(opts, "&"))
	effTop := top
	if top < 0 {
		effTop = 100
	}
	want := max(0, min(total-skip, effTop))
	items := values(t, m)
	if len(items) != want {
		t.Errorf("%d items, want %d", len(items), want)
	}
	if m["@iot.count"] != float64(total) {
		t.Errorf("@iot.count %v, want %d", m["@iot.count"], total)
	}
	next, hasNext := m["@iot.nextLink"].(string)
	if wantNext := top != 0 && skip+len(items) < total; hasNext != wantNext {
		t.Fatalf("nextLink %q, want one: %v", next, wantNext)
	}
	if !hasNext {
		return
	}
	if !strings.HasPrefix(next, s.root+path+"?") {
		t.Errorf("nextLink %s is not absolute on %s", next, path)
	}
	// The following page starts right after this one and keeps the count.
	all := ids(t, values(t, s.getJSON(t, path+"?$top=100")))
	n := s.getJSON(t, next)
	if n["@iot.count"] != float64(total) {
		t.Errorf("next page @iot.count %v, want %d", n["@iot.count"], total)
	}
	got := ids(t, values(t, n))
	end := min(skip+len(items)+effTop, total)
	if wantIDs := all[skip+len(items) : end]; !reflect.DeepEqual(got, wantIDs) {
		t.Errorf("next page ids %v, want %v", got, wantIDs)
	}
}

// TestQueryPriority is the OGC "query priority" test (specs §3.3): filter, count, orderby,
// skip, top, with the string literal '3' compared as a string.
func TestQueryPriority(t *testing.T) {
	s := seeded(t)
	m := s.getJSON(t, "/Observations?"+q("$count=true&$top=1&$skip=2"+
		"&$orderby=phenomenonTime asc&$filter=result gt '3'"))
	items := values(t, m)
	if m["@iot.count"] != 6.0 || len(items) != 1 || items[0]["result"] != 6.0 {
		t.Errorf("count %v, items %v: want count 6 and one item with result 6",
			m["@iot.count"], items)
	}
	if _, ok := m["@iot.nextLink"]; !ok {
		t.Error("no nextLink, though 3 more items match")
	}
}

// TestOperatorPrecedence runs the eight precedence filters of specs §3.3 over /Observations
// (results 1…12 public, plus -5), as the FROST suite does.
func TestOperatorPrecedence(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		filter string
		count  float64
		result float64
	}{
		{"result eq 2 and result eq 1 or result eq 1", 1, 1},
		{"(result eq 2 and result eq 1) or result eq 1", 1, 1},
		{"result eq 2 and (result eq 1 or result eq 1)", 0, 0},
		{"not result lt 1 and not result gt 1", 1, 1},
		{"1 add result mul 2 sub -1 eq 4", 1, 1},
		{"6 div 2 sub result eq 2", 1, 1},
		{"1 add 2.0 mod (result add 1) eq 1", 1, 1},
		{"14 div (result add 1) mod 3 mul 3 eq 3", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			m := s.getJSON(t, "/Observations?$count=true&$filter="+q(tt.filter))
			items := values(t, m)
			if m["@iot.count"] != tt.count || len(items) != int(tt.count) {
				t.Fatalf("count %v, %d items, want %v", m["@iot.count"], len(items), tt.count)
			}
			if tt.count > 0 && items[0]["result"] != tt.result {
				t.Errorf("result %v, want %v", items[0]["result"], tt.result)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		path string
		want []int64 // ids, in order
	}{
		{"/Things?$filter=" + q("properties/owner eq 'Sundsvall kommun'"), []int64{1}},
		{"/Things?$filter=" + q("properties/tags/area eq 'centrum'"), []int64{1}},
		{"/Things?$filter=" + q("properties/owner eq null"), []int64{3}},
		{"/Things?$filter=" + q("Locations/name eq 'Storgatan 12, roof'"), []int64{1}},
		{"/Things?$filter=" + q("startswith(name,'Bridge') or id eq 1"), []int64{1, 3}},
		{"/Locations?$filter=" + q("Things/name eq 'Weather station'"), []int64{1}},
		{"/Datastreams?$filter=" + q("ObservedProperty/name eq 'air_temperature'"),
			[]int64{10, 11}},
		{"/Datastreams?$filter=" + q("unitOfMeasurement/symbol eq '{count}'"), []int64{30}},
		{"/Datastreams?$filter=" + q("Thing/properties/licence eq 'CC-BY-4.0'"), []int64{30}},
		{"/Datastreams?$filter=" + q("phenomenonTime gt 2023-12-31T00:00:00Z"), []int64{10, 30}},
		{"/Datastreams?$filter=" + q("phenomenonTime eq null"), []int64{11}},
		{"/Observations?$filter=" + q("Datastream/Thing/name eq 'Bridge counter'"), []int64{25}},
		{"/Observations?$filter=" + q("FeatureOfInterest/id eq 1 and result ge 11"),
			[]int64{11, 12}},
		{"/Observations?$filter=" + q("resultTime eq null"), []int64{25}},
		{"/Observations?$filter=" + q("day(phenomenonTime) eq 5"), []int64{5, 25}},
		{"/Datastreams(10)/Observations?$filter=" +
			q("phenomenonTime ge 2024-01-03T00:00:00Z and phenomenonTime lt 2024-01-06T00:00:00Z"),
			[]int64{3, 4, 5}},
		{"/Datastreams(10)/Observations?$filter=" +
			q("phenomenonTime gt 2024-01-03T01:00:00+01:00 and result mod 2 eq 0"),
			[]int64{4, 6, 8, 10, 12}},
		{"/Sensors?$filter=" + q("encodingType eq 'application/pdf'"), []int64{1}},
		{"/HistoricalLocations?$filter=" + q("time lt 2024-01-01T00:00:00Z"), []int64{1}},
		{"/FeaturesOfInterest?$filter=" + q("substringof('Storgatan', name)"), []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := ids(t, values(t, s.getJSON(t, tt.path)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOrderBy(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		path string
		want []int64
	}{
		{"/Things?$orderby=" + q("name desc"), []int64{1, 3}},
		{"/Things?$orderby=name", []int64{3, 1}},
		{"/Datastreams?$orderby=" + q("name,id desc"), []int64{11, 10, 30}},
		{"/Datastreams?$orderby=" + q("Thing/name desc,name"), []int64{11, 10, 30}},
		{"/Datastreams(10)/Observations?$top=3&$orderby=" + q("phenomenonTime desc"),
			[]int64{12, 11, 10}},
		{"/Datastreams(10)/Observations?$top=3&$orderby=" + q("result desc"), []int64{12, 11, 10}},
		{"/Datastreams(10)/Observations?$top=3&$orderby=" + q("result mod 5 desc,result"),
			[]int64{4, 9, 3}},
		{"/Observations?$top=3&$orderby=" + q("id desc"), []int64{25, 12, 11}},
		{"/Observations?$top=3&$orderby=" + q("phenomenonTime desc"), []int64{12, 11, 10}},
		{"/Observations?$top=2&$skip=4&$orderby=phenomenonTime", []int64{5, 25}},
		{"/Observations?$top=2&$orderby=result", []int64{25, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := ids(t, values(t, s.getJSON(t, tt.path)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		path string
		keys []string
	}{
		{"/Things?$select=id,name", []string{"@iot.id", "name"}},
		{"/Things?$select=name,Datastreams", []string{"Datastreams@iot.navigationLink", "name"}},
		{"/Observations?$select=result", []string{"result"}},
		{"/Things(1)/Datastreams?$select=id,unitOfMeasurement",
			[]string{"@iot.id", "unitOfMeasurement"}},
		{"/Datastreams(10)?$select=Thing,Observations,id",
			[]string{"@iot.id", "Observations@iot.navigationLink", "Thing@iot.navigationLink"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			m := s.getJSON(t, tt.path)
			objs := []map[string]any{m}
			if _, ok := m["value"]; ok {
				objs = values(t, m)
			}
			for _, o := range objs {
				if got := keys(o); !slices.Equal(got, tt.keys) {
					t.Errorf("keys %v, want %v", got, tt.keys)
				}
			}
		})
	}
}

func TestExpand(t *testing.T) {
	s := seeded(t)
	m := s.getJSON(t, "/Things(1)?$expand="+
		q("Datastreams($top=1;$count=true;$orderby=id desc;$select=id,name),Locations"))
	ds := m["Datastreams"].([]any)
	if len(ds) != 1 || m["Datastreams@iot.count"] != 2.0 {
		t.Fatalf("expanded Datastreams %v, count %v", ds, m["Datastreams@iot.count"])
	}
	if got := keys(ds[0].(map[string]any)); !slices.Equal(got, []string{"@iot.id", "name"}) {
		t.Errorf("expanded Datastream keys %v", got)
	}
	next, _ := m["Datastreams@iot.nextLink"].(string)
	if !strings.HasPrefix(next, s.root+"/Things(1)/Datastreams?") {
		t.Errorf("Datastreams@iot.nextLink %q", next)
	}
	if got := ids(t, values(t, s.getJSON(t, next))); !slices.Equal(got, []int64{10}) {
		t.Errorf("following the expanded nextLink gives %v, want [10]", got)
	}
	loc := m["Locations"].([]any)[0].(map[string]any)
	if _, ok := loc["Things@iot.navigationLink"]; ok || loc["name"] == nil {
		t.Errorf("expanded Location %v: properties without navigation links expected", loc)
	}
	if _, ok := m["Datastreams@iot.navigationLink"]; !ok {
		t.Error("the top-level entity lost its navigation links")
	}

	// Multi-level: Datastreams/Thing and Datastreams/Sensor merge into one expansion.
	m = s.getJSON(t, "/Things(1)?$expand="+q("Datastreams/Thing,Datastreams/Sensor"))
	for _, d := range m["Datastreams"].([]any) {
		dm := d.(map[string]any)
		th, _ := dm["Thing"].(map[string]any)
		se, _ := dm["Sensor"].(map[string]any)
		if th["@iot.id"] != 1.0 || se["@iot.id"] != 1.0 {
			t.Errorf("Datastream %v: want Thing 1 and Sensor 1 expanded", dm["@iot.id"])
		}
	}

	// Observations of a device without a location have no FeatureOfInterest to expand.
	m = s.getJSON(t, "/Observations(25)?$expand=FeatureOfInterest,Datastream")
	if _, ok := m["FeatureOfInterest"]; ok || m["Datastream"] == nil {
		t.Errorf("Observation 25 expanded: %v", keys(m))
	}
	// An empty expanded collection is [] with count 0.
	m = s.getJSON(t, "/Datastreams(11)?$expand="+q("Observations($count=true)"))
	obs, ok := m["Observations"].([]any)
	if n := m["Observations@iot.count"]; !ok || len(obs) != 0 || n != 0.0 {
		t.Errorf("Datastream 11 Observations %v count %v", m["Observations"], n)
	}
}

// TestLatestPerDatastream is specs §5 #3/#4: the latest value of every Datastream costs one
// store.Range per Datastream for the expansion (plus the phenomenonTime interval), and
// never scans.
func TestLatestPerDatastream(t *testing.T) {
	s := seeded(t)
	s.st.resetCounts()
	path := "/Datastreams?$filter=" + q("ObservedProperty/name eq 'air_temperature'") +
		"&$expand=" + q("Observations($orderby=phenomenonTime desc;$top=1)")
	items := values(t, s.getJSON(t, path))
	if len(items) != 2 {
		t.Fatalf("%d Datastreams, want 10 and 11", len(items))
	}
	latest := items[0]["Observations"].([]any)
	if len(latest) != 1 || latest[0].(map[string]any)["result"] != 12.0 {
		t.Errorf("latest of Datastream 10: %v, want result 12", latest)
	}
	if _, ok := items[0]["Observations@iot.nextLink"]; !ok {
		t.Error("Datastream 10 has 11 more Observations: nextLink expected")
	}
	if obs := items[1]["Observations"].([]any); len(obs) != 0 {
		t.Errorf("Datastream 11 has no Observations, got %v", obs)
	}
	ranges, rows := s.st.count("Range")
	scans, _ := s.st.count("Scan")
	latestCalls, _ := s.st.count("Latest")
	// Per Datastream: one Range for the expansion, one for the start of phenomenonTime.
	if ranges > 2*len(items) || rows > 4*len(items) || scans != 0 || latestCalls > 1 {
		t.Errorf("cost: %d Range calls (%d rows), %d Scan, %d Latest for %d Datastreams",
			ranges, rows, scans, latestCalls, len(items))
	}
}

func TestCountUsesStoreCount(t *testing.T) {
	s := seeded(t)
	s.st.resetCounts()
	m := s.getJSON(t, "/Datastreams(10)/Observations?$count=true&$top=1&$filter="+
		q("phenomenonTime ge 2024-01-03T00:00:00Z"))
	if m["@iot.count"] != 10.0 {
		t.Errorf("@iot.count %v, want 10", m["@iot.count"])
	}
	counts, _ := s.st.count("Count")
	_, rows := s.st.count("Range")
	if counts != 1 || rows > 2 {
		t.Errorf("%d Count calls and %d rows read: want 1 Count and a page of 1(+1)", counts, rows)
	}
	if s.st.last.From.IsZero() {
		t.Error("the phenomenonTime bound did not reach store.Range")
	}
}

func TestNextLinkKeepsOptions(t *testing.T) {
	s := seeded(t)
	m := s.getJSON(t, "/Datastreams(10)/Observations?$top=2&$count=true&$select=id,result"+
		"&$filter="+q("result gt 2")+"&$orderby="+q("phenomenonTime desc"))
	next := m["@iot.nextLink"].(string)
	u, err := url.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query()
	if v.Get("$filter") != "result gt 2" || v.Get("$select") != "id,result" ||
		v.Get("$orderby") != "phenomenonTime desc" || v.Get("$count") != "true" ||
		v.Get("$top") != "2" || v.Get("$skiptoken") == "" || v.Has("$skip") {
		t.Errorf("nextLink %s lost or changed options", next)
	}
	if got := ids(t, values(t, s.getJSON(t, next))); !slices.Equal(got, []int64{10, 9}) {
		t.Errorf("second page %v, want [10 9]", got)
	}
}

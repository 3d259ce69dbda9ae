package sensorthings

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

func TestServiceRoot(t *testing.T) {
	s := seeded(t)
	m := s.getJSON(t, "")
	if len(m) != 2 {
		t.Errorf("root has keys %v, want value and serverSettings only", keys(m))
	}
	var names []string
	for _, v := range values(t, m) {
		name := v["name"].(string)
		names = append(names, name)
		if v["url"] != s.root+"/"+name || len(v) != 2 {
			t.Errorf("entry %v: want exactly name and url = %s/%s", v, s.root, name)
		}
	}
	want := []string{"Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors",
		"Observations", "ObservedProperties", "FeaturesOfInterest"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("collections %v, want %v", names, want)
	}

	settings := m["serverSettings"].(map[string]any)
	var conf []string
	for _, c := range settings["conformance"].([]any) {
		conf = append(conf, c.(string))
	}
	const req = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
	for _, must := range []string{"resource-path/resource-path-to-entities",
		"request-data/filter", "request-data/expand", "request-data/pagination"} {
		if !slices.Contains(conf, req+must) {
			t.Errorf("conformance lacks %s", must)
		}
	}
	for _, c := range conf {
		for _, never := range []string{"create-update-delete", "multi-datastream", "mqtt",
			"batch", "data-array", "built-in-query-functions"} {
			if strings.Contains(c, never) {
				t.Errorf("conformance declares %s, which is not implemented", c)
			}
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// entityShape is the mandatory content of each entity type (specs §2 table).
var entityShape = []struct {
	coll  string
	id    int
	props []string
	navs  []string
}{
	{"Things", 1, []string{"name", "description", "properties"},
		[]string{"Datastreams", "HistoricalLocations", "Locations"}},
	{"Locations", 1, []string{"name", "description", "encodingType", "location"},
		[]string{"HistoricalLocations", "Things"}},
	{"HistoricalLocations", 1, []string{"time"}, []string{"Thing", "Locations"}},
	{"Datastreams", 10, []string{"name", "description", "unitOfMeasurement", "observationType"},
		[]string{"Thing", "Sensor", "ObservedProperty", "Observations"}},
	{"Sensors", 1, []string{"name", "description", "encodingType", "metadata"},
		[]string{"Datastreams"}},
	{"ObservedProperties", 1, []string{"name", "definition", "description"},
		[]string{"Datastreams"}},
	{"Observations", 1, []string{"phenomenonTime", "result", "resultTime"},
		[]string{"Datastream", "FeatureOfInterest"}},
	{"FeaturesOfInterest", 1, []string{"name", "description", "encodingType", "feature"},
		[]string{"Observations"}},
}

func checkEntity(t *testing.T, s *server, e map[string]any, coll string, props, navs []string) {
	t.Helper()
	id, ok := e["@iot.id"].(float64)
	if !ok {
		t.Fatalf("%s entity without a numeric @iot.id: %v", coll, e)
	}
	if want := s.root + "/" + coll + "(" + itoa(int64(id)) + ")"; e["@iot.selfLink"] != want {
		t.Errorf("@iot.selfLink = %v, want %s", e["@iot.selfLink"], want)
	}
	for _, p := range props {
		if _, ok := e[p]; !ok {
			t.Errorf("%s(%v) lacks %s", coll, id, p)
		}
	}
	for _, n := range navs {
		link, _ := e[n+"@iot.navigationLink"].(string)
		if link != e["@iot.selfLink"].(string)+"/"+n {
			t.Errorf("%s(%v): %s@iot.navigationLink = %q", coll, id, n, link)
		}
	}
}

func TestEntitiesHaveMandatoryContent(t *testing.T) {
	s := seeded(t)
	for _, tt := range entityShape {
		t.Run(tt.coll, func(t *testing.T) {
			list := values(t, s.getJSON(t, "/"+tt.coll))
			if len(list) == 0 {
				t.Fatal("empty collection")
			}
			for _, e := range list[:min(2, len(list))] {
				checkEntity(t, s, e, tt.coll, tt.props, tt.navs)
			}
			one := s.getJSON(t, "/"+tt.coll+"("+itoa(int64(tt.id))+")")
			checkEntity(t, s, one, tt.coll, tt.props, tt.navs)
		})
	}
}

func TestMapping(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		path string
		want string // the exact JSON body
	}{
		{"/Things(3)", `{"@iot.id":3,"@iot.selfLink":"ROOT/Things(3)","name":"Bridge counter",` +
			`"description":"","properties":{"devEui":"a81758fffe000003","licence":"CC-BY-4.0",` +
			`"profile":"acme/counter"},"Datastreams@iot.navigationLink":"ROOT/Things(3)/Datastreams",` +
			`"HistoricalLocations@iot.navigationLink":"ROOT/Things(3)/HistoricalLocations",` +
			`"Locations@iot.navigationLink":"ROOT/Things(3)/Locations"}`},
		{"/Things(1)/properties", `{"properties":{"devEui":"a81758fffe000001",` +
			`"owner":"Sundsvall kommun","licence":"CC0-1.0","profile":"elsys/ers-co2",` +
			`"firmware":"1.2","tags":{"area":"centrum","b":"2"}}}`},
		{"/Locations(1)?$select=name,encodingType,location", `{"name":"Storgatan 12, roof",` +
			`"encodingType":"application/geo+json",` +
			`"location":{"type":"Point","coordinates":[17.3,62.39,12]}}`},
		{"/FeaturesOfInterest(1)/feature",
			`{"feature":{"type":"Point","coordinates":[17.3,62.39,12]}}`},
		{"/HistoricalLocations(1)?$select=id,time", `{"@iot.id":1,"time":"2023-06-01T09:00:00Z"}`},
		{"/Sensors(1)?$select=encodingType,metadata,properties", `{"encodingType":"application/pdf",` +
			`"metadata":"https://example.org/ers-co2.pdf","properties":{"profile":"elsys/ers-co2@1"}}`},
		{"/Sensors(3)/encodingType", `{"encodingType":"text/html"}`},
		{"/Datastreams(10)?$select=unitOfMeasurement,observationType,phenomenonTime,resultTime",
			`{"unitOfMeasurement":{"name":"degree Celsius","symbol":"°C",` +
				`"definition":"http://unitsofmeasure.org/ucum.html#para-30"},` +
				`"observationType":"` + model.OMMeasurement + `",` +
				`"phenomenonTime":"2024-01-01T00:00:00Z/2024-01-12T00:00:00Z",` +
				`"resultTime":"2024-01-01T00:01:00Z/2024-01-12T00:01:00Z"}`},
		{"/Datastreams(11)?$select=name,phenomenonTime", `{"name":"Backup temperature"}`},
		{"/Observations(3)?$select=id,phenomenonTime,resultTime,result", `{"@iot.id":3,` +
			`"phenomenonTime":"2024-01-03T00:00:00Z","resultTime":"2024-01-03T00:01:00Z","result":3}`},
		{"/Observations(25)?$select=resultTime,Datastream", `{"resultTime":null,` +
			`"Datastream@iot.navigationLink":"ROOT/Observations(25)/Datastream"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := s.get(t, tt.path)
			want := strings.ReplaceAll(tt.want, "ROOT", s.root)
			if status != http.StatusOK || !jsonEqual(t, body, []byte(want)) {
				t.Errorf("status %d\n got %s\nwant %s", status, body, want)
			}
		})
	}
}

// jsonEqual compares two JSON documents, key order included.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

func TestBaseURLOption(t *testing.T) {
	s := newServer(t, seedSnapshot(), seedObservations(),
		Options{BaseURL: "https://data.example.se/sta/v1.1/"})
	m := s.getJSON(t, "/Things(1)")
	if m["@iot.selfLink"] != "https://data.example.se/sta/v1.1/Things(1)" {
		t.Errorf("selfLink %v", m["@iot.selfLink"])
	}
}

func TestEmptyCatalog(t *testing.T) {
	s := newServer(t, devices.NewSnapshot(nil, nil, nil, nil), nil, Options{})
	for _, coll := range collectionNames {
		m := s.getJSON(t, "/"+coll+"?$count=true")
		if len(values(t, m)) != 0 || m["@iot.count"] != 0.0 || m["@iot.nextLink"] != nil {
			t.Errorf("%s: %v, want an empty page with @iot.count 0", coll, m)
		}
	}
}

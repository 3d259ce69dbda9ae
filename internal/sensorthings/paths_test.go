package sensorthings

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestNotFound(t *testing.T) {
	s := seeded(t)
	var paths []string
	for _, coll := range collectionNames {
		paths = append(paths, "/"+coll+"(9223372036854775807)", "/"+coll+"(9223372036854775808)",
			"/"+coll+"(-1)", "/"+coll+"('1')")
	}
	paths = append(paths,
		"/Nonsense", "/Things(1)/Nonsense", "/Things(1)/name/extra", "/Things(1)/name/$value/x",
		"/Things/Datastreams", "/Things(1)/$value", "/Things(1)/$ref/x",
		"/Datastreams(10)/Thing(1)", "/Things(1)/Datastreams(9223372036854775807)",
		"/Things(1)/name/$ref",
	)
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			status, body := s.get(t, p)
			if status != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %s", status, body)
			}
			checkErrorBody(t, body, 404)
		})
	}
}

func checkErrorBody(t *testing.T, body []byte, code int) {
	t.Helper()
	var e struct {
		Code    int    `json:"code"`
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Code != code || e.Type != "error" ||
		e.Message == "" {
		t.Errorf("error body %s, want {code:%d, type:error, message}", body, code)
	}
}

// TestPathConsistency: an id after a navigation must belong to it (specs §3.2).
func TestPathConsistency(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		path   string
		status int
	}{
		{"/Things(1)/Datastreams(10)/Observations", 200},
		{"/Things(3)/Datastreams(10)/Observations", 404},
		{"/Things(1)/Datastreams(30)", 404},
		{"/Datastreams(10)/Observations(1)", 200},
		{"/Datastreams(10)/Observations(25)", 404},
		{"/Datastreams(30)/Observations(25)/Datastream/Thing", 200},
		{"/FeaturesOfInterest(1)/Observations(12)", 200},
		{"/FeaturesOfInterest(1)/Observations(25)", 404},
		{"/Sensors(1)/Datastreams(30)", 404},
		{"/ObservedProperties(3)/Datastreams(30)/Thing/Locations", 200},
		{"/Things(3)/Locations", 200},    // an empty collection
		{"/Things(3)/Locations(3)", 404}, // no location
		{"/Observations(25)/FeatureOfInterest", 404},
		{"/Observations(1)/FeatureOfInterest", 200},
		{"/Things(1)/Datastreams(10)/Sensor/Datastreams", 200},
		{"/HistoricalLocations(1)/Thing/Datastreams(11)/Observations", 200},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if status, body := s.get(t, tt.path); status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
		})
	}
}

// TestWalkRelations follows every relation from the first entity of every collection by
// path (Things(1)/Datastreams(10)/Sensor/…), up to four segments, as the FROST suite's
// readRelatedEntity does; each step and its $ref must answer 200, and every navigation
// link must be the entity's selfLink plus the relation.
func TestWalkRelations(t *testing.T) {
	s := seeded(t)
	for _, coll := range collectionNames {
		list := values(t, s.getJSON(t, "/"+coll))
		walk(t, s, s.root+"/"+coll+"("+itoa(int64(list[0]["@iot.id"].(float64)))+")", 1)
	}
}

func walk(t *testing.T, s *server, url string, depth int) {
	t.Helper()
	m := s.getJSON(t, url)
	checkRef(t, s, url)
	if list, ok := m["value"].([]any); ok {
		if len(list) > 0 {
			id := itoa(int64(list[0].(map[string]any)["@iot.id"].(float64)))
			walk(t, s, url+"("+id+")", depth)
		}
		return
	}
	self, _ := m["@iot.selfLink"].(string)
	for k, v := range m {
		nav, ok := strings.CutSuffix(k, "@iot.navigationLink")
		if !ok {
			continue
		}
		if v != self+"/"+nav {
			t.Errorf("%s: %s = %v, want %s/%s", url, k, v, self, nav)
		}
		if depth == 4 {
			continue
		}
		if status, _ := s.get(t, url+"/"+nav); status == http.StatusNotFound {
			continue // a to-one relation with nothing behind it (a FeatureOfInterest)
		}
		walk(t, s, url+"/"+nav, depth+1)
	}
}

// checkRef: $ref gives objects of exactly one key, @iot.selfLink.
func checkRef(t *testing.T, s *server, url string) {
	t.Helper()
	m := s.getJSON(t, url+"/$ref")
	objs := []map[string]any{m}
	if _, ok := m["value"]; ok {
		objs = values(t, m)
	}
	for _, o := range objs {
		link, _ := o["@iot.selfLink"].(string)
		if len(o) != 1 || !strings.HasPrefix(link, s.root+"/") {
			t.Errorf("%s/$ref: %v, want exactly one @iot.selfLink", url, o)
		}
	}
}

func TestPropertyAndValue(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		path        string
		status      int
		body        string // exact, when set
		contentType string
	}{
		{"/Things(1)/name", 200, `{"name":"Weather station"}`, "application/json"},
		{"/Things(1)/name/$value", 200, "Weather station", "text/plain"},
		{"/Things(3)/description", 200, `{"description":""}`, "application/json"},
		{"/Things(1)/properties/$value", 200, "", "application/json"},
		{"/Locations(1)/location/$value", 200,
			`{"type":"Point","coordinates":[17.3,62.39,12]}`, "application/json"},
		{"/Observations(2)/result", 200, `{"result":2}`, "application/json"},
		{"/Observations(2)/result/$value", 200, "2", "text/plain"},
		{"/Observations(2)/phenomenonTime/$value", 200, "2024-01-02T00:00:00Z", "text/plain"},
		{"/Observations(25)/resultTime", 204, "", ""},
		{"/Observations(25)/resultTime/$value", 204, "", ""},
		{"/Datastreams(11)/phenomenonTime", 204, "", ""},
		{"/Datastreams(10)/phenomenonTime/$value", 200,
			"2024-01-01T00:00:00Z/2024-01-12T00:00:00Z", "text/plain"},
		{"/Datastreams(10)/unitOfMeasurement/$value", 200, "", "application/json"},
		{"/HistoricalLocations(1)/time/$value", 200, "2023-06-01T09:00:00Z", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(s.root + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			body := string(raw)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 204 {
				if body != "" {
					t.Errorf("204 with a body %q", body)
				}
				return
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body %s, want %s", body, tt.body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.contentType)
			}
			checkPropertyBody(t, tt.path, body, tt.contentType == "application/json")
		})
	}
}

// checkPropertyBody: a property answers an object of exactly one member; its $value is
// raw text, and starts with '{' only when the property is an object (specs §3.2).
func checkPropertyBody(t *testing.T, path, body string, objectTyped bool) {
	t.Helper()
	if strings.HasSuffix(path, "/$value") {
		if strings.HasPrefix(body, "{") != objectTyped {
			t.Errorf("$value body %s: object-typed iff the property is an object", body)
		}
		return
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || len(m) != 1 {
		t.Errorf("property body %s: want an object with exactly one member", body)
	}
}

func TestWritesAreRefused(t *testing.T) {
	s := seeded(t)
	for _, method := range []string{"POST", "PATCH", "PUT", "DELETE"} {
		t.Run(method, func(t *testing.T) {
			req, _ := http.NewRequest(method, s.root+"/Things(1)", strings.NewReader(`{}`))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Message string }
			_ = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != http.StatusMethodNotAllowed ||
				!strings.Contains(e.Message, "read-only") || resp.Header.Get("Allow") == "" {
				t.Errorf("%s: status %d, message %q, Allow %q", method, resp.StatusCode,
					e.Message, resp.Header.Get("Allow"))
			}
		})
	}
}

func TestBadQueries(t *testing.T) {
	s := seeded(t)
	for _, p := range []string{
		"/Observations?$filter=" + q("result eq"),
		"/Observations?$filter=" + q("frobnicate(result) eq 1"),
		"/Observations?$filter=" + q("geo.distance(result, result) lt 1"),
		"/Observations?$filter=" + q("nosuch eq 1"),
		"/Observations?$filter=" + q("phenomenonTime gt 2024-01-01T00:00:00"),
		"/Observations?$filter=" + q("result eq 'x"),
		"/Things?$filter=" + q("Datastreams/name eq 'x'"),
		"/Things?$filter=" + q("name/first eq 'x'"),
		"/Observations?$orderby=" + q("result sideways"),
		"/Observations?$orderby=nosuch",
		"/Observations?$top=-1", "/Observations?$top=x", "/Observations?$skip=-1",
		"/Observations?$count=maybe", "/Things?$expand=Nope", "/Things?$select=nope",
		"/Things?$expand=" + q("Datastreams($top=x)"), "/Things?$foo=1",
		"/Observations?$skiptoken=garbage", "/Things?$skiptoken=i1",
		"/Datastreams(10)/Observations?$orderby=result&$skiptoken=t1.000000000_1",
		"/Things(1)?$select=nope", "/Things(1)?$expand=Nope",
	} {
		t.Run(p, func(t *testing.T) {
			status, body := s.get(t, p)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			checkErrorBody(t, body, 400)
		})
	}
}

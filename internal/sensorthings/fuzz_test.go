package sensorthings

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzRequest sends arbitrary resource paths and query strings through the whole handler:
// whatever a client sends must answer 200, 204, 400 or 404, never 500 or a panic.
func FuzzRequest(f *testing.F) {
	seeds := [][2]string{
		{"/Observations", "$count=true&$top=1&$skip=2&$orderby=phenomenonTime%20asc" +
			"&$filter=result%20gt%20'3'"},
		{"/Datastreams", "$expand=Observations($orderby=phenomenonTime%20desc;$top=1)"},
		{"/Things(1)", "$expand=Datastreams/Thing,Datastreams($select=id;$count=true)"},
		{"/Datastreams(10)/Observations", "$skiptoken=t1704412800.000000000_5&$top=2"},
		{"/Observations", "$filter=Datastream/Thing/properties/owner%20eq%20null"},
		{"/Things(1)/Datastreams(10)/Sensor/Datastreams/$ref", "$orderby=name%20desc"},
		{"/Locations(1)/location/$value", ""},
		{"/Observations", "$orderby=result&$filter=day(phenomenonTime)%20eq%205"},
		{"/FeaturesOfInterest(1)/Observations", "$filter=phenomenonTime%20ge%202024-01-03"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	st := newTestStore(seedObservations())
	h := New(catalog{seedSnapshot()}, st, Options{BaseURL: "http://x/v1.1", MaxSort: 50}, nil)
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: rawQuery},
			Header: http.Header{}, Host: "x"}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r.WithContext(t.Context()))
		switch rec.Code {
		case 200, 204, 400, 404:
		default:
			t.Fatalf("GET %s?%s: status %d: %s", path, rawQuery, rec.Code, rec.Body)
		}
	})
}

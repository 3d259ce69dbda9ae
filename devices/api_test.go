package devices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
)

func newAPIServer(t *testing.T, adminKey string) *httptest.Server {
	t.Helper()
	r := openRegistry(t, filepath.Join(t.TempDir(), "r.db"))
	mux := http.NewServeMux()
	NewAPI(r, APIOptions{AdminKey: adminKey, HasProfile: func(id, fw string) bool {
		return id == "elsys/ers-co2"
	}}, slog.New(slog.DiscardHandler)).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPI(t *testing.T) {
	srv := newAPIServer(t, "k")
	dev := `{"devEui":"a1b2c3d4e5f60708","name":"Room 101","profile":"elsys/ers-co2","public":false}`
	steps := []struct {
		name, method, path, key, body string
		status                        int
		want                          string // a fragment of the body
	}{
		{"create without key", "POST", "/api/v1/devices", "", dev, 401, "admin API key"},
		{"not a DevEUI", "GET", "/api/v1/devices/zz", "", "", 400, "16 hex digits"},
		{"delete not a DevEUI", "DELETE", "/api/v1/devices/zz", "k", "", 400, "16 hex digits"},
		{"create with wrong key", "POST", "/api/v1/devices", "nope", dev, 401, ""},
		{"create", "POST", "/api/v1/devices", "k", dev, 201, `"devEui": "a1b2c3d4e5f60708"`},
		{"create again", "POST", "/api/v1/devices", "k", dev, 409, "already registered"},
		{"unknown profile", "POST", "/api/v1/devices", "k",
			`{"devEui":"a1b2c3d4e5f60709","profile":"acme/none"}`, 400, "no firmware profile"},
		{"unknown field", "POST", "/api/v1/devices", "k",
			`{"devEui":"a1b2c3d4e5f60709","profile":"elsys/ers-co2","colour":"red"}`, 400, "colour"},
		{"bad DevEUI", "POST", "/api/v1/devices", "k", `{"devEui":"xyz","profile":"elsys/ers-co2"}`,
			400, "devEui"},
		{"private hidden from the public", "GET", "/api/v1/devices/a1b2c3d4e5f60708", "", "", 404, ""},
		{"private listed for the admin", "GET", "/api/v1/devices", "k", "", 200, "Room 101"},
		{"private not listed publicly", "GET", "/api/v1/devices", "", "", 200, `"devices": []`},
		{"patch to public", "PATCH", "/api/v1/devices/A1B2C3D4E5F60708", "k", `{"public":true}`, 200,
			`"public": true`},
		{"public now", "GET", "/api/v1/devices/a1b2c3d4e5f60708", "", "", 200, "Room 101"},
		{"replace", "PUT", "/api/v1/devices/a1b2c3d4e5f60708", "k",
			`{"name":"Room 102","profile":"elsys/ers-co2","public":true}`, 200, "Room 102"},
		{"delete", "DELETE", "/api/v1/devices/a1b2c3d4e5f60708", "k", "", 204, ""},
		{"gone", "GET", "/api/v1/devices/a1b2c3d4e5f60708", "k", "", 404, "not found"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			status, body := call(t, srv, s.method, s.path, s.key, s.body)
			if status != s.status || !strings.Contains(body, s.want) {
				t.Fatalf("%s %s = %d %s, want %d containing %q", s.method, s.path, status, body,
					s.status, s.want)
			}
			if status >= 400 {
				var e struct{ Error string }
				if json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
					t.Errorf("error body %q has no error message", body)
				}
			}
		})
	}
}

func TestAPIWritesOffWithoutKey(t *testing.T) {
	srv := newAPIServer(t, "")
	status, body := call(t, srv, "POST", "/api/v1/devices", "anything",
		`{"devEui":"a1b2c3d4e5f60708","profile":"elsys/ers-co2"}`)
	if status != 403 || !strings.Contains(body, "admin_key") {
		t.Fatalf("= %d %s, want 403 naming admin_key", status, body)
	}
}

// TestUplinksPaging: a full page of raw uplinks says where the next one starts, and the last
// page does not.
func TestUplinksPaging(t *testing.T) {
	r := openRegistry(t, filepath.Join(t.TempDir(), "r.db"))
	archive := memstore.New()
	for i := range uplinksPage + 5 {
		if _, err := archive.Keep(context.Background(), store.RawUplink{DevEUI: "a1b2c3d4e5f60708",
			Outcome: store.OutcomeDecoded, Envelope: []byte(fmt.Sprintf(`{"fCnt":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	NewAPI(r, APIOptions{AdminKey: "k", Archive: archive}, slog.New(slog.DiscardHandler)).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	path, pages, total := "/api/v1/devices/a1b2c3d4e5f60708/uplinks", 0, 0
	for path != "" {
		status, body := call(t, srv, "GET", path, "k", "")
		var page struct {
			Uplinks []map[string]any
			Next    string
		}
		if status != 200 || json.Unmarshal([]byte(body), &page) != nil {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
		total += len(page.Uplinks)
		for _, u := range page.Uplinks {
			if u["devEui"] != "a1b2c3d4e5f60708" {
				t.Fatalf("uplink %v: devEui %v, want the device's", u["seq"], u["devEui"])
			}
		}
		path = page.Next
		pages++
	}
	if pages != 2 || total != uplinksPage+5 {
		t.Errorf("%d pages, %d uplinks; want 2 pages of all %d", pages, total, uplinksPage+5)
	}
}

// stubRedecoder stands in for the pipeline, which this package cannot import: it answers
// with a set report and error and records which device it was asked for.
type stubRedecoder struct {
	rep   RedecodeReport
	err   error
	asked []string
}

func (s *stubRedecoder) Redecode(_ context.Context, eui string) (RedecodeReport, error) {
	s.asked = append(s.asked, eui)
	return s.rep, s.err
}

// TestRedecodeAPI: the redecode endpoint needs the admin key and a registered device, hands
// the normalised DevEUI to the Redecoder, and answers 503 with the partial report when it
// did not finish.
func TestRedecodeAPI(t *testing.T) {
	r := openRegistry(t, filepath.Join(t.TempDir(), "r.db"))
	if _, err := r.Create(context.Background(), Device{DevEUI: "a1b2c3d4e5f60708", Name: "x",
		Profile: "elsys/ers-co2"}); err != nil {
		t.Fatal(err)
	}
	stub := &stubRedecoder{rep: RedecodeReport{Uplinks: 2, Outcomes: map[string]int{"decoded": 2}}}
	mux := http.NewServeMux()
	NewAPI(r, APIOptions{AdminKey: "k", Redecoder: stub}, slog.New(slog.DiscardHandler)).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	path := "/api/v1/devices/A1B2C3D4E5F60708/redecode"
	for _, tc := range []struct {
		path, key string
		err       error
		status    int
		want      string
	}{
		{path, "", nil, 401, "admin API key"},
		{"/api/v1/devices/a1b2c3d4e5f60799/redecode", "k", nil, 404, "not found"},
		{path, "k", nil, 200, `"decoded": 2`},
		{path, "k", errors.New("3 of 5 not kept"), 503, `"error": "3 of 5 not kept"`},
	} {
		stub.err = tc.err
		status, body := call(t, srv, "POST", tc.path, tc.key, "")
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s: %d %s, want %d with %s", tc.path, status, body, tc.status, tc.want)
		}
	}
	if len(stub.asked) != 2 || stub.asked[0] != "a1b2c3d4e5f60708" {
		t.Errorf("Redecoder asked for %v, want the normalised DevEUI twice", stub.asked)
	}

	mux = http.NewServeMux()
	NewAPI(r, APIOptions{AdminKey: "k"}, slog.New(slog.DiscardHandler)).Register(mux)
	bare := httptest.NewServer(mux)
	defer bare.Close()
	if status, _ := call(t, bare, "POST", path, "k", ""); status != 404 {
		t.Errorf("without a Redecoder: %d, want 404", status)
	}
}

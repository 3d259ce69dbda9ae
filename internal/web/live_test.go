package web

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store/memstore"
	"github.com/vindel-hub/vindel/stream"
)

// TestBrowserUpdatesLive loads the page in headless Chromium, publishes Observations through
// a real stream hub, and watches the DOM change; then drops the browser's connection and
// checks that the page reconnects, resuming after the last offset it saw.
func TestBrowserUpdatesLive(t *testing.T) {
	b := startBrowser(t)
	cat, st := fixture(t)
	hub := stream.New(cat, st, metrics.New(), slog.New(slog.DiscardHandler), stream.Options{})
	rec := &connRecorder{next: hub.WebSocket()}
	mux := http.NewServeMux()
	mux.Handle("/v1/stream", rec)
	mux.Handle("/", New(cat, st, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(hub.Close)

	p := b.open(t, srv.URL+"/")
	const value = `document.querySelector('tr[data-datastream="11"] [data-value]').textContent`
	const when = `document.querySelector('tr[data-datastream="11"] time').textContent`
	p.waitEval(t, value, "21.5") // rendered by the server
	p.waitEval(t, `document.getElementById("live-status").dataset.state`, "live")

	publish(t, hub, st, 4, 23.25, 10*time.Second)
	p.waitEval(t, value, "23.25")
	p.waitEval(t, when, "2025-03-01 10:00:10 UTC")

	rec.drop() // the page loses its connection; meanwhile one more Observation arrives
	publish(t, hub, st, 5, 24.5, 20*time.Second)
	p.waitEval(t, value, "24.5")
	if q := rec.queries(); len(q) < 2 || q[0] != "from=3" || q[1] != "from=4" {
		t.Errorf("stream requests %q, want from=3 (the page's head), then from=4", q)
	}
	p.waitEval(t, `document.getElementById("live-status").dataset.state`, "live")
}

// publish stores and publishes one Observation of Datastream 11, measured at t0+after.
func publish(t *testing.T, hub *stream.Hub, st *memstore.Store, id uint64, v float64,
	after time.Duration) {
	t.Helper()
	o := []model.Observation{{ID: id, DatastreamID: 11, PhenomenonTime: t0.Add(after),
		ResultTime: t0.Add(after), Result: model.Number(v)}}
	if err := st.Append(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	hub.Publish(o)
}

// connRecorder passes stream requests on, noting their queries and keeping the connections
// they hijack so the test can cut them.
type connRecorder struct {
	next  http.Handler
	mu    sync.Mutex
	qs    []string
	conns []net.Conn
}

func (c *connRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.qs = append(c.qs, r.URL.RawQuery)
	c.mu.Unlock()
	c.next.ServeHTTP(&hijackRecorder{ResponseWriter: w, rec: c}, r)
}

// drop closes every connection recorded so far.
func (c *connRecorder) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = nil
}

// queries returns the raw queries of the requests seen.
func (c *connRecorder) queries() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.qs)
}

// hijackRecorder records the connection its ResponseWriter hands to the WebSocket upgrade.
type hijackRecorder struct {
	http.ResponseWriter
	rec *connRecorder
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		h.rec.mu.Lock()
		h.rec.conns = append(h.rec.conns, conn)
		h.rec.mu.Unlock()
	}
	return conn, rw, err
}

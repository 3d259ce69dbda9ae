package stream

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// waitFor bounds every wait of a test for something that should happen promptly.
const waitFor = 20 * time.Second

// rig is a hub behind a real HTTP server, on a fake store and catalogue.
type rig struct {
	hub   *Hub
	st    *fakeStore  // the store, when it is the fake
	store store.Store // the store
	cat   *fakeCatalog
	m     *metrics.Metrics
	srv   *httptest.Server
}

// newRig starts a hub with opt on st (a new fakeStore when nil).
func newRig(t testing.TB, opt Options, st *fakeStore) *rig {
	t.Helper()
	if st == nil {
		st = &fakeStore{}
	}
	r := newRigOn(t, opt, st)
	r.st = st
	return r
}

// newRigOn starts a hub with opt on any store.
func newRigOn(t testing.TB, opt Options, st store.Store) *rig {
	t.Helper()
	r := &rig{store: st, cat: newCatalog(), m: metrics.New()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("STREAM_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r.hub = New(r.cat, st, r.m, log, opt)
	mux := http.NewServeMux()
	mux.Handle("/v1/stream", r.hub.WebSocket())
	mux.Handle("/v1/stream/sse", r.hub.SSE())
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	t.Cleanup(r.hub.Close) // runs first: ends the hijacked connections the server cannot
	return r
}

// publish stores obs, then hands them to the hub, as the pipeline does.
func (r *rig) publish(t testing.TB, obs ...model.Observation) {
	t.Helper()
	if err := r.store.Append(context.Background(), obs); err != nil {
		t.Fatalf("append: %v", err)
	}
	r.hub.Publish(obs)
}

// frame is any server frame, decoded loosely.
type frame struct {
	Type           string      `json:"type"`
	Offset         uint64      `json:"offset"`
	Datastream     int64       `json:"datastream"`
	DevEUI         string      `json:"devEui"`
	Property       string      `json:"property"`
	Unit           string      `json:"unit"`
	PhenomenonTime string      `json:"phenomenonTime"`
	ResultTime     *string     `json:"resultTime"`
	Result         any         `json:"result"`
	Filter         *filterSpec `json:"filter"`
	From           *uint64     `json:"from"`
	Head           uint64      `json:"head"`
	Code           string      `json:"code"`
	Message        string      `json:"message"`
}

// wsClient is a real gorilla/websocket client of the rig.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

// dial connects to /v1/stream with the given raw query.
func (r *rig) dial(t testing.TB, query string) *wsClient {
	t.Helper()
	u := "ws" + strings.TrimPrefix(r.srv.URL, "http") + "/v1/stream"
	if query != "" {
		u += "?" + query
	}
	conn, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	return &wsClient{t: t, conn: conn}
}

// next reads one frame.
func (c *wsClient) next() frame {
	c.t.Helper()
	f, err := c.read()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return f
}

// read reads one frame or returns the read error.
func (c *wsClient) read() (frame, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(waitFor))
	_, b, err := c.conn.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("frame %s is not JSON: %v", b, err)
	}
	return f, nil
}

// expect reads one frame and fails unless it has the given type.
func (c *wsClient) expect(typ string) frame {
	c.t.Helper()
	f := c.next()
	if f.Type != typ {
		c.t.Fatalf("got %s frame %+v, want %s", f.Type, f, typ)
	}
	return f
}

// send writes a client message.
func (c *wsClient) send(msg string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// offsetsUntil reads observation frames up to and including offset last and returns their
// offsets; any other frame fails the test.
func (c *wsClient) offsetsUntil(last uint64) []uint64 {
	c.t.Helper()
	var got []uint64
	for {
		f := c.next()
		if f.Type != typeObservation {
			c.t.Fatalf("got %s frame %+v while reading observations up to %d", f.Type, f, last)
		}
		got = append(got, f.Offset)
		if f.Offset >= last {
			return got
		}
	}
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	event, id string
	data      frame
}

// readEvent reads one event from an SSE body, skipping comments.
func readEvent(t testing.TB, br *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read SSE: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		field, value, _ := strings.Cut(line, ": ")
		switch {
		case line == "" && ev.event != "":
			return ev
		case field == "event":
			ev.event = value
		case field == "id":
			ev.id = value
		case field == "data":
			if err := json.Unmarshal([]byte(value), &ev.data); err != nil {
				t.Fatalf("SSE data %q: %v", value, err)
			}
		}
	}
}

// rangeOf returns the offsets from..to.
func rangeOf(from, to uint64) []uint64 {
	var out []uint64
	for id := from; id <= to; id++ {
		out = append(out, id)
	}
	return out
}

package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/ingest"
)

// recorder is a Sink that keeps what it is handed and answers with err.
type recorder struct {
	mu    sync.Mutex
	msgs  []ingest.Message
	err   error
	noAck bool // take Messages but never report them kept
}

func (r *recorder) Handle(_ context.Context, m ingest.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.msgs = append(r.msgs, m)
	if m.Ack != nil && !r.noAck {
		m.Ack() // as the pipeline does once the envelope is archived
	}
	return nil
}

func (r *recorder) last(t *testing.T) ingest.Message {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		t.Fatal("sink got no Message")
	}
	return r.msgs[len(r.msgs)-1]
}

func readSample(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAccepts(t *testing.T) {
	v3 := readSample(t, "../../testdata/chirpstack-samples/v3-json_v3-up.json")
	tts := readSample(t, "../../testdata/tts-samples/tts-v3-up.json")
	proto := readSample(t, "../chirpstack/testdata/v3-protobuf-up.bin")
	tests := []struct {
		name, target, contentType string
		body                      []byte
		event                     string
	}{
		{"chirpstack ?event=up", "/ingest/chirpstack?event=up", "application/json", v3, "up"},
		{"chirpstack join", "/ingest/chirpstack?app=1&event=join", "application/json", v3,
			"join"},
		{"chirpstack protobuf", "/cs?event=up", "application/octet-stream", proto, "up"},
		{"tts uplink path", "/ingest/tts/uplink", "application/json", tts, "uplink"},
		{"tts trailing slash", "/ingest/tts/join-accept/", "application/json", tts,
			"join-accept"},
		{"root", "/", "", v3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recorder{}
			h := New("hook", sink, slog.New(slog.DiscardHandler), Options{})
			req := httptest.NewRequest(http.MethodPost, tc.target, bytes.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			before := time.Now()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != http.StatusAccepted {
				t.Fatalf("status %d, want 202", rec.Code)
			}
			m := sink.last(t)
			if !bytes.Equal(m.Body, tc.body) || m.Source != "hook" || m.Event != tc.event ||
				m.Topic != tc.target || m.ContentType != tc.contentType {
				t.Errorf("Message %+v (body %d bytes)", m, len(m.Body))
			}
			if m.ArrivedAt.Before(before) || m.ArrivedAt.After(time.Now()) {
				t.Errorf("ArrivedAt %v", m.ArrivedAt)
			}
			if m.Dialect != ingest.DialectUnknown {
				t.Errorf("Dialect %q: the webhook must not parse", m.Dialect)
			}
		})
	}
}

// TestBodyOwned checks that the Message keeps its own copy of the body.
func TestBodyOwned(t *testing.T) {
	sink := &recorder{}
	h := New("hook", sink, nil, Options{})
	body := []byte(`{"deviceInfo":{}}`)
	h.ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body)))
	copy(body, "XXXXXXXXXXXXXXXX")
	if got := string(sink.last(t).Body); got != `{"deviceInfo":{}}` {
		t.Errorf("body changed with the request buffer: %q", got)
	}
}

func TestRefusals(t *testing.T) {
	busy := fmt.Errorf("queue: %w", ingest.ErrBusy)
	tests := []struct {
		name    string
		method  string
		header  map[string]string
		body    io.Reader
		opt     Options
		sinkErr error
		want    int
	}{
		{"GET", http.MethodGet, nil, nil, Options{}, nil, http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, nil, strings.NewReader("{}"), Options{}, nil,
			http.StatusMethodNotAllowed},
		{"no token", http.MethodPost, nil, strings.NewReader("{}"), Options{Token: "s3cret"},
			nil, http.StatusUnauthorized},
		{"wrong bearer", http.MethodPost, map[string]string{"Authorization": "Bearer nope"},
			strings.NewReader("{}"), Options{Token: "s3cret"}, nil, http.StatusUnauthorized},
		{"basic auth", http.MethodPost, map[string]string{"Authorization": "Basic s3cret"},
			strings.NewReader("{}"), Options{Token: "s3cret"}, nil, http.StatusUnauthorized},
		{"bearer ok", http.MethodPost, map[string]string{"Authorization": "Bearer s3cret"},
			strings.NewReader("{}"), Options{Token: "s3cret"}, nil, http.StatusAccepted},
		{"header token ok", http.MethodPost, map[string]string{"X-Vindel-Token": "s3cret"},
			strings.NewReader("{}"), Options{Token: "s3cret"}, nil, http.StatusAccepted},
		{"too large", http.MethodPost, nil, strings.NewReader(strings.Repeat("x", 101)),
			Options{MaxBody: 100}, nil, http.StatusRequestEntityTooLarge},
		{"too large, no length", http.MethodPost, nil,
			io.MultiReader(strings.NewReader(strings.Repeat("x", 101))),
			Options{MaxBody: 100}, nil, http.StatusRequestEntityTooLarge},
		{"exactly max", http.MethodPost, nil, strings.NewReader(strings.Repeat("x", 100)),
			Options{MaxBody: 100}, nil, http.StatusAccepted},
		{"busy", http.MethodPost, nil, strings.NewReader("{}"), Options{}, busy,
			http.StatusServiceUnavailable},
		{"sink broken", http.MethodPost, nil, strings.NewReader("{}"), Options{},
			errors.New("disk on fire"), http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recorder{err: tc.sinkErr}
			h := New("hook", sink, slog.New(slog.DiscardHandler), tc.opt)
			req := httptest.NewRequest(tc.method, "/hook?event=up", tc.body)
			if _, ok := tc.body.(*strings.Reader); !ok {
				req.ContentLength = -1 // chunked: only reading finds the size
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			switch tc.want {
			case http.StatusServiceUnavailable:
				if rec.Header().Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
			case http.StatusMethodNotAllowed:
				if rec.Header().Get("Allow") != http.MethodPost {
					t.Errorf("Allow = %q", rec.Header().Get("Allow"))
				}
			}
			if tc.want != http.StatusAccepted && tc.sinkErr == nil && len(sink.msgs) != 0 {
				t.Errorf("refused request reached the sink")
			}
		})
	}
}

// TestTimeout: a sink that blocks until its context ends makes the handler answer 503 after
// Options.Timeout.
func TestTimeout(t *testing.T) {
	sink := ingest.SinkFunc(func(ctx context.Context, _ ingest.Message) error {
		<-ctx.Done()
		return fmt.Errorf("%w: %w", ingest.ErrBusy, ctx.Err())
	})
	h := New("hook", sink, nil, Options{Timeout: 30 * time.Millisecond})
	start := time.Now()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("{}")))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if waited := time.Since(start); waited < 30*time.Millisecond || waited > 5*time.Second {
		t.Errorf("answered after %v, want about the 30ms timeout", waited)
	}
}

// countHandler counts Warn records.
type countHandler struct {
	mu    sync.Mutex
	warns int
}

func (c *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (c *countHandler) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *countHandler) WithGroup(string) slog.Handler            { return c }
func (c *countHandler) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Level == slog.LevelWarn {
		c.warns++
	}
	return nil
}

// TestWarningsRateLimited: a flood of bad requests logs a few warnings, not one each.
func TestWarningsRateLimited(t *testing.T) {
	logs := &countHandler{}
	h := New("hook", &recorder{}, slog.New(logs), Options{Token: "t"})
	for range 200 {
		h.ServeHTTP(httptest.NewRecorder(),
			httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("{}")))
	}
	if logs.warns == 0 || logs.warns > 10 {
		t.Errorf("%d warnings for 200 refused requests, want between 1 and 10", logs.warns)
	}
}

// TestOverHTTP runs the handler behind a real server, as ChirpStack's HTTP integration and TTS
// webhooks reach it.
func TestOverHTTP(t *testing.T) {
	sink := &recorder{}
	srv := httptest.NewServer(New("hook", sink, nil, Options{MaxBody: 4096, Token: "tok"}))
	defer srv.Close()
	body := readSample(t, "../../testdata/chirpstack-samples/v4-json-up.json")

	post := func(target string, b []byte) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+target, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	if code := post("/ingest/chirpstack?event=up", body); code != http.StatusAccepted {
		t.Fatalf("status %d, want 202", code)
	}
	if m := sink.last(t); !bytes.Equal(m.Body, body) || m.Event != "up" {
		t.Errorf("Message event %q, %d body bytes", m.Event, len(m.Body))
	}
	if code := post("/ingest/chirpstack?event=up", make([]byte, 5000)); code !=
		http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: status %d, want 413", code)
	}
}

// TestAnswerOnlyWhenKept: a body the sink took but did not report kept within the timeout
// gets 503, so the network server sends it again instead of forgetting it.
func TestAnswerOnlyWhenKept(t *testing.T) {
	sink := &recorder{noAck: true}
	h := New("hook", sink, slog.New(slog.DiscardHandler), Options{Timeout: 50 * time.Millisecond})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/ingest/chirpstack?event=up",
		strings.NewReader(`{"deviceInfo":{"devEui":"a1b2c3d4e5f60709"}}`)))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("= %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if sink.last(t).Ack == nil {
		t.Error("the Message carried no Ack")
	}
}

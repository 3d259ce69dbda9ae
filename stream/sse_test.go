package stream

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// getSSE opens the SSE stream with the given query and Last-Event-ID header (when not empty).
func getSSE(t *testing.T, r *rig, query, lastID string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		r.srv.URL+"/v1/stream/sse?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestSSE(t *testing.T) {
	cases := []struct {
		name, query, lastID string
		wantFrom            uint64
		want                []string // ids of the observation events replayed
	}{
		{"Last-Event-ID", "", "5", 5, []string{"6", "7", "8", "9", "10"}},
		{"Last-Event-ID wins over from", "from=2", "8", 8, []string{"9", "10"}},
		{"from parameter", "from=7", "", 7, []string{"8", "9", "10"}},
		{"filter", "datastream=12&from=0", "", 0, []string{"1", "4", "7", "10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			r.publish(t, series(1, 10)...) // Datastreams 12, 21, 11, 12, … in turn
			resp := getSSE(t, r, tc.query, tc.lastID)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
				t.Fatalf("Content-Type %q", ct)
			}
			br := bufio.NewReader(resp.Body)

			sub := readEvent(t, br)
			if sub.event != typeSubscribed || sub.data.From == nil || *sub.data.From != tc.wantFrom {
				t.Fatalf("first event %+v, want subscribed from %d", sub, tc.wantFrom)
			}
			var got []string
			for ev := readEvent(t, br); ev.event != typeCaughtUp; ev = readEvent(t, br) {
				if ev.event != typeObservation || ev.id != strconv.FormatUint(ev.data.Offset, 10) {
					t.Fatalf("event %+v, want an observation with its offset as id", ev)
				}
				got = append(got, ev.id)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("replayed ids %v, want %v", got, tc.want)
			}

			r.publish(t, obsAt(11, 12))
			if ev := readEvent(t, br); ev.id != "11" || ev.data.Unit != "%" {
				t.Errorf("live event %+v, want id 11 in %%", ev)
			}
		})
	}
}

func TestSSEBadRequest(t *testing.T) {
	cases := []struct{ name, query, lastID string }{
		{"bad Last-Event-ID", "", "seven"},
		{"bad from", "from=x", ""},
		{"bad devEui", "devEui=123", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			resp := getSSE(t, r, tc.query, tc.lastID)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest ||
				!strings.Contains(string(body), codeBadRequest) {
				t.Errorf("got %d %s, want 400 with an error frame", resp.StatusCode, body)
			}
		})
	}
}

func TestSSESlowClientToldWhy(t *testing.T) {
	r := newRig(t, Options{ClientQueue: 4}, nil)
	resp := getSSE(t, r, "", "")
	br := bufio.NewReader(resp.Body)
	readEvent(t, br) // subscribed
	for id := uint64(1); counterValue(t, r.m.StreamDropped) == 0 && id < 40000; id++ {
		r.hub.Publish(series(id, id)) // the test reads nothing meanwhile
	}
	for {
		ev := readEvent(t, br)
		if ev.event == typeError {
			if ev.data.Code != codeTooSlow || ev.data.Message != "too slow: 4 queued" {
				t.Errorf("error event %+v, want too_slow", ev)
			}
			return
		}
	}
}

func TestSSEKeepaliveComment(t *testing.T) {
	r := newRig(t, Options{PingInterval: 20 * time.Millisecond}, nil)
	br := bufio.NewReader(getSSE(t, r, "", "").Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("no keepalive comment before %v", err)
		}
		if line == ": ping\n" {
			return
		}
	}
}

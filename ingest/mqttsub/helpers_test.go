package mqttsub

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/metrics"
)

const waitFor = 20 * time.Second

var pubSeq atomic.Int64 // makes publisher client IDs unique

// chanSink hands every accepted Message to a channel. Before accepting, refuse is asked (when
// set) and may turn the call down with an error.
// chanSink takes Messages into a channel and, like the pipeline once it has kept one,
// acknowledges each, unless noAck is set.
type chanSink struct {
	ch     chan ingest.Message
	mu     sync.Mutex
	calls  int
	refuse func(call int, m ingest.Message) error
	noAck  bool
}

func newChanSink() *chanSink { return &chanSink{ch: make(chan ingest.Message, 100000)} }

func (s *chanSink) Handle(ctx context.Context, m ingest.Message) error {
	s.mu.Lock()
	s.calls++
	call := s.calls
	refuse := s.refuse
	s.mu.Unlock()
	if refuse != nil {
		if err := refuse(call, m); err != nil {
			return err
		}
	}
	select {
	case s.ch <- m:
		if m.Ack != nil && !s.noAck {
			m.Ack()
		}
		return nil
	case <-ctx.Done():
		return ingest.ErrBusy
	}
}

// next returns the next accepted Message or fails t after waitFor.
func (s *chanSink) next(t *testing.T) ingest.Message {
	t.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(waitFor):
		t.Fatal("no message reached the sink")
		return ingest.Message{}
	}
}

// bodies collects the bodies of n accepted Messages, failing t when they do not come.
func (s *chanSink) bodies(t *testing.T, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	deadline := time.After(waitFor)
	for total := 0; total < n; total++ {
		select {
		case m := <-s.ch:
			got[string(m.Body)]++
		case <-deadline:
			t.Fatalf("sink got %d of %d messages", total, n)
		}
	}
	return got
}

// running is a Source whose Run goroutine a test can stop.
type running struct {
	src    *Source
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error // what Run returned
}

// startSource runs a Source for cfg into sink until stop or the end of the test.
func startSource(t testing.TB, cfg Config, sink ingest.Sink, m *metrics.Metrics) *running {
	t.Helper()
	src, err := New(cfg, sink, m, testLogger())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{src: src, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

// stop ends Run and waits for it. Calling it twice is harmless.
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		r.err = <-r.done
	})
}

// waitReady waits until the source reports want, failing t after waitFor.
func (r *running) waitReady(t testing.TB, want bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for r.src.Ready() != want {
		if time.Now().After(deadline) {
			t.Fatalf("source Ready() stayed %v", !want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// publisher connects a plain paho client to url for t.
func publisher(t testing.TB, url string) mqtt.Client {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).
		SetClientID(fmt.Sprintf("pub-%d", pubSeq.Add(1))).
		SetCleanSession(true).SetProtocolVersion(4)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(waitFor) || tok.Error() != nil {
		t.Fatalf("publisher connect to %s: %v", url, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// publish sends body to topic at QoS 1 and waits for the broker's PUBACK.
func publish(t testing.TB, c mqtt.Client, topic string, body []byte) {
	t.Helper()
	tok := c.Publish(topic, 1, false, body)
	if !tok.WaitTimeout(waitFor) || tok.Error() != nil {
		t.Fatalf("publish to %s: %v", topic, tok.Error())
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testLogger logs at Debug to stderr when VINDEL_TEST_LOG is set, else nowhere.
func testLogger() *slog.Logger {
	if os.Getenv("VINDEL_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

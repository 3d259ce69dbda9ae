package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/vindel-hub/vindel/internal/testenv"
)

// received collects what a subscriber to every topic got.
type received struct {
	mu   sync.Mutex
	msgs []Record
}

func (r *received) all() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.msgs...)
}

// subscribe listens on every topic of url at QoS 1 until the test ends.
func subscribe(t *testing.T, url string) *received {
	t.Helper()
	got := &received{}
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID("replay-test-sub").
		SetProtocolVersion(4).
		SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) {
			got.mu.Lock()
			defer got.mu.Unlock()
			got.msgs = append(got.msgs, Record{m.Topic(), append([]byte(nil), m.Payload()...)})
		})
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	if tok := c.Subscribe("#", 1, nil); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return got
}

// waitCount waits until the subscriber has n messages or 10 s pass.
func (r *received) waitCount(t *testing.T, n int) []Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.all()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := r.all()
	if len(got) != n {
		t.Fatalf("subscriber got %d messages, want %d", len(got), n)
	}
	return got
}

func TestRunAtRate(t *testing.T) {
	url := testenv.Mosquitto(t)
	sub := subscribe(t, url)
	const n, perSecond = 20, 40.0
	var recs []Record
	for i := range n {
		recs = append(recs, Record{"application/1/device/0011223344556677/event/up",
			fmt.Appendf(nil, `{"fCnt":%d,"fPort":1}`, i)})
	}

	began := time.Now()
	sent, err := Run(context.Background(), recs, Options{Broker: url, Rate: perSecond, QoS: 1},
		nil)
	elapsed := time.Since(began)
	if err != nil || sent != n {
		t.Fatalf("Run = %d, %v; want %d, nil", sent, err, n)
	}
	// The limiter lets the first message go at once and then one every 1/Rate seconds.
	least := time.Duration(float64(n-1) / perSecond * float64(time.Second))
	if elapsed < least*9/10 || elapsed > least+5*time.Second {
		t.Errorf("%d messages at %v/s took %v, want about %v", n, perSecond, elapsed, least)
	}

	for i, m := range sub.waitCount(t, n) {
		if want := fmt.Sprintf(`{"fCnt":%d,"fPort":1}`, i); string(m.Body) != want {
			t.Errorf("message %d = %s, want %s (in order, unchanged)", i, m.Body, want)
		}
	}
}

func TestRunLoopShift(t *testing.T) {
	url := testenv.Mosquitto(t)
	sub := subscribe(t, url)
	recs, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	began := time.Now()
	sent, err := Run(ctx, recs, Options{Broker: url, Rate: 50, Loop: true, Shift: true, QoS: 1},
		nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sent < 2*len(recs) {
		t.Fatalf("sent %d in a second at 50/s: fewer than two rounds", sent)
	}

	// Each round raises the counters, so no TTS uplink repeats one; all times are now-ish.
	seen := map[uint32]bool{}
	for _, m := range sub.waitCount(t, sent) {
		if m.Topic != recs[2].Topic {
			continue
		}
		env := decode(t, m.Body)
		n, err := strconv.Atoi(string(at(t, env, "uplink_message.f_cnt").(json.Number)))
		if err != nil || seen[uint32(n)] {
			t.Errorf("f_cnt %v repeated or unreadable (%v)", n, err)
		}
		seen[uint32(n)] = true
		ts, err := time.Parse(time.RFC3339Nano, at(t, env, "received_at").(string))
		if err != nil || ts.Before(began.Add(-time.Second)) || ts.After(time.Now()) {
			t.Errorf("received_at %v not shifted to the time of publishing", ts)
		}
	}
	if len(seen) < 2 {
		t.Errorf("TTS uplink seen in %d rounds", len(seen))
	}
}

func TestRunErrors(t *testing.T) {
	url := "tcp://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // nothing listens there
	recs := []Record{{"a", []byte(`{}`)}}
	tests := []struct {
		name string
		recs []Record
		opt  Options
	}{
		{"no records", nil, Options{Broker: url}},
		{"bad qos", recs, Options{Broker: url, QoS: 3}},
		{"no broker", recs, Options{Broker: url}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if sent, err := Run(context.Background(), tt.recs, tt.opt, nil); err == nil {
				t.Errorf("Run = %d, nil; want an error", sent)
			}
		})
	}
}

func TestRunCancelledWithoutLoop(t *testing.T) {
	url := testenv.Mosquitto(t)
	recs := make([]Record, 100)
	for i := range recs {
		recs[i] = Record{"t/x", []byte(`{}`)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	sent, err := Run(ctx, recs, Options{Broker: url, Rate: 20, QoS: 1}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run error = %v, want the context's", err)
	}
	if sent == 0 || sent >= len(recs) {
		t.Errorf("sent %d of %d before the deadline", sent, len(recs))
	}
}

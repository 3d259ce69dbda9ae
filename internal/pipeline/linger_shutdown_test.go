package pipeline

// Breaker tests of the group-commit linger in publish (sequence.go): shutdown while groups
// linger, Redecode beside a lingering load, and HTTP webhooks at a low rate after a burst.
// The store is real Pebble; flushLog (linger_window_test.go) only records its Flushes.

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/webhook"
	"github.com/vindel-hub/vindel/internal/store"
)

// lingeringEnv is a pipeline on Pebble with its Flushes recorded and devs registered as
// AM103s.
func lingeringEnv(t *testing.T, devs ...string) (*env, *flushLog) {
	t.Helper()
	fl := &flushLog{backend: openPebble(t)}
	e := envOn(t, fl)
	fl.e.Store(e)
	for _, d := range devs {
		e.register(t, d, "milesight-iot/am103")
	}
	return e, fl
}

// flood sends acknowledged uplinks of eui from workers goroutines until the returned stop
// is called or the pipeline closes, counting those it took and those acknowledged. stop
// waits for the senders and may be called more than once; the test's end calls it too.
func flood(t *testing.T, p *Pipeline, eui string, workers int,
	took, acked *atomic.Int64) (stop func()) {
	t.Helper()
	quit := make(chan struct{})
	var once sync.Once
	var fcnt atomic.Int64
	wg := &sync.WaitGroup{}
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-quit:
					return
				default:
				}
				m := ingest.Message{Source: "flood", Topic: "application/1/device/x/event/up",
					Body: v4Uplink(t, eui, int(fcnt.Add(1))), ArrivedAt: time.Now().UTC(),
					Ack: func() { acked.Add(1) }}
				if err := p.Handle(context.Background(), m); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("Handle: %v", err)
					}
					return
				}
				took.Add(1)
			}
		})
	}
	stop = func() { once.Do(func() { close(quit) }); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

// TestLingerShutdownUnderLoad stops the pipeline while a flood keeps the publisher
// lingering: Run must drain and return, every uplink it took must be acknowledged and kept.
// The 20 s bound is generous on purpose (a drain of a full queue on a loaded 2-core box);
// what it catches is a publisher that never returns.
func TestLingerShutdownUnderLoad(t *testing.T) {
	const dev = "a1b2c3d400000101"
	e, fl := lingeringEnv(t, dev)
	var took, acked atomic.Int64
	stopFlood := flood(t, e.p, dev, 4, &took, &acked)
	waitFor(t, "the publisher told to linger", func() bool {
		return readLinger(fl.flushes(), am103Readings).eligible > 0
	})

	stopped := make(chan struct{})
	start := time.Now()
	go func() { e.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return 20 s after shutdown began, with groups lingering")
	}
	t.Logf("Run returned %v after shutdown began; %d uplinks taken",
		time.Since(start).Round(time.Millisecond), took.Load())
	stopFlood()

	if acked.Load() != took.Load() {
		t.Errorf("%d uplinks taken, %d acknowledged after Run returned", took.Load(),
			acked.Load())
	}
	raws, err := fl.backend.Raw(context.Background(), dev, 0, 0)
	if err != nil || int64(len(raws)) != took.Load() {
		t.Errorf("%d raw uplinks kept (%v), %d taken", len(raws), err, took.Load())
	}
}

// TestLingerRedecodeSettles runs a Redecode of more than gatherAbove uplinks while a flood
// of another device keeps the publisher lingering: it must settle with every uplink decoded,
// and a second one find nothing left.
func TestLingerRedecodeSettles(t *testing.T) {
	const flooded = "a1b2c3d400000102"
	e, fl := lingeringEnv(t, flooded)
	defer e.stop()
	const n = 300
	e.sendUnknown(t, elsysEUI, 1, n, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")

	var took, acked atomic.Int64
	stopFlood := flood(t, e.p, flooded, 2, &took, &acked)
	waitFor(t, "the publisher told to linger", func() bool {
		return readLinger(fl.flushes(), am103Readings).eligible > 0
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := e.p.Redecode(ctx, elsysEUI)
	stopFlood()
	if err != nil || rep.Uplinks != n || rep.Outcomes[string(store.OutcomeDecoded)] != n {
		t.Fatalf("Redecode beside a lingering flood = %+v, %v; want %d decoded", rep, err, n)
	}
	rep, err = e.p.Redecode(ctx, elsysEUI)
	if err != nil || rep.Uplinks != 0 {
		t.Fatalf("second Redecode = %+v, %v; want nothing left", rep, err)
	}
}

// TestLingerWebhookTrickleAfterBurst answers a burst of concurrent ChirpStack webhook POSTs,
// then a trickle of single ones, each sent when the last was answered. Every POST must get
// 202; in the trickle no group may reach gatherAbove, so publish's rule never makes it wait.
// The per-request bound of 2 s only catches a hang; the latencies are logged.
func TestLingerWebhookTrickleAfterBurst(t *testing.T) {
	const dev = "a1b2c3d400000103"
	e, fl := lingeringEnv(t, dev)
	defer e.stop()
	srv := httptest.NewServer(webhook.New("http-chirpstack", e.p, nil, webhook.Options{}))
	defer srv.Close()
	post := func(fcnt int) (int, time.Duration) {
		start := time.Now()
		resp, err := http.Post(srv.URL+"/?event=up", "application/json",
			bytes.NewReader(v4Uplink(t, dev, fcnt)))
		if err != nil {
			t.Error(err)
			return 0, 0
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}

	var wg sync.WaitGroup
	for i := range 400 {
		wg.Go(func() {
			if code, _ := post(i); code != http.StatusAccepted {
				t.Errorf("burst POST %d: %d", i, code)
			}
		})
	}
	wg.Wait()
	burst := len(fl.flushes())

	var most time.Duration
	for i := range 40 {
		code, took := post(1000 + i)
		if code != http.StatusAccepted {
			t.Fatalf("trickle POST %d: %d", i, code)
		}
		if took > 2*time.Second {
			t.Fatalf("trickle POST %d answered after %v", i, took)
		}
		most = max(most, took)
	}
	recs := fl.flushes()
	trickle := readLinger(recs[burst-1:], am103Readings)
	t.Logf("burst: %d Flushes, told to linger after %d; trickle: %d Flushes, slowest %v",
		burst, readLinger(recs[:burst], am103Readings).eligible, len(recs)-burst, most)
	if trickle.eligible != 0 {
		t.Errorf("the trickle of single POSTs made the publisher linger after %d Flushes",
			trickle.eligible)
	}
	if len(recs)-burst < 40 {
		t.Errorf("40 single POSTs, one at a time, took %d Flushes; want one each",
			len(recs)-burst)
	}
}

package stream

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vindel-hub/vindel/internal/model"
)

// bigObs returns an Observation with a 4 KiB result, so a client that does not read fills
// its TCP buffers, and then its queue, quickly.
func bigObs(id uint64) model.Observation {
	o := obsAt(id, 11)
	o.Result = model.String(strings.Repeat("x", 4096))
	return o
}

func TestSlowClientClosedFastClientServed(t *testing.T) {
	r := newRig(t, Options{ClientQueue: 16, WriteTimeout: time.Minute}, nil)
	slow := r.dial(t, "")
	slow.expect(typeSubscribed)
	fast := r.dial(t, "")
	fast.expect(typeSubscribed)

	var got atomic.Uint64 // the fast client's last offset
	fastErr := make(chan error, 1)
	go func() { fastErr <- follow(fast, &got) }()

	// Publish in small batches, each once the fast client has it all, until the slow one,
	// which reads nothing, is dropped; then go on a little: the fast client gets it all.
	id := uint64(0)
	publish8 := func() {
		for range 8 {
			id++
			r.hub.Publish([]model.Observation{bigObs(id)})
		}
		waitUntil(t, func() bool { return got.Load() == id }, "fast client to keep up")
	}
	for counterValue(t, r.m.StreamDropped) == 0 {
		if id > 40000 {
			t.Fatal("the slow client was never dropped")
		}
		publish8()
	}
	for range 10 {
		publish8()
	}

	t.Logf("the slow client was dropped after %d Observations", id)
	checkTooSlow(t, slow)
	if n := counterValue(t, r.m.StreamDropped); n != 1 {
		t.Errorf("StreamDropped = %v, want 1", n)
	}
	waitUntil(t, func() bool { return r.hub.Clients() == 1 }, "the slow client to be gone")
	select {
	case err := <-fastErr:
		t.Fatalf("fast client: %v", err)
	default:
	}
}

// follow reads c's observations, storing the last offset in got, until a read fails or an
// offset does not follow the one before.
func follow(c *wsClient, got *atomic.Uint64) error {
	for {
		f, err := c.read()
		if err != nil {
			return err
		}
		if f.Offset != got.Load()+1 {
			return fmt.Errorf("fast client got offset %d after %d", f.Offset, got.Load())
		}
		got.Store(f.Offset)
	}
}

// checkTooSlow reads the slow client to its end: a gap-free prefix, then close 1008.
func checkTooSlow(t *testing.T, c *wsClient) {
	t.Helper()
	last := uint64(0)
	for {
		f, err := c.read()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != websocket.ClosePolicyViolation || ce.Text != "too slow: 16 queued" {
				t.Errorf("slow client closed with %d %q, want 1008 %q", ce.Code, ce.Text,
					"too slow: 16 queued")
			}
			return
		}
		if err != nil {
			t.Fatalf("slow client: %v, want a close frame", err)
		}
		if f.Offset != last+1 {
			t.Fatalf("slow client got offset %d after %d", f.Offset, last)
		}
		last = f.Offset
	}
}

// waitUntil polls cond until it holds, failing the test after waitFor.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestKeepalive(t *testing.T) {
	r := newRig(t, Options{PingInterval: 200 * time.Millisecond}, nil)

	alive := r.dial(t, "")
	alive.expect(typeSubscribed)
	var pings atomic.Int64
	alive.conn.SetPingHandler(func(data string) error {
		pings.Add(1)
		return alive.conn.WriteControl(websocket.PongMessage, []byte(data),
			time.Now().Add(time.Second))
	})
	aliveFrames := make(chan frame, 16)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			f, err := alive.read()
			if err != nil {
				close(aliveFrames)
				return
			}
			aliveFrames <- f
		}
	})

	mute := r.dial(t, "")
	mute.expect(typeSubscribed)
	mute.conn.SetPingHandler(func(string) error { return nil }) // never pongs
	_, err := mute.read()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text != "pong timeout" {
		t.Fatalf("client without pongs got %v, want close 1008 pong timeout", err)
	}

	waitUntil(t, func() bool { return pings.Load() >= 3 }, "three pings")
	r.publish(t, obsAt(1, 11))
	if f, ok := <-aliveFrames; !ok || f.Offset != 1 {
		t.Errorf("ponging client got %+v (open %t), want offset 1", f, ok)
	}
	waitUntil(t, func() bool { return r.hub.Clients() == 1 }, "the mute client to be gone")
	_ = alive.conn.Close()
	wg.Wait()
}

func TestVisibility(t *testing.T) {
	r := newRig(t, Options{}, nil)
	all := r.dial(t, "")
	all.expect(typeSubscribed)
	named := r.dial(t, "datastream=11,21,31")
	named.expect(typeSubscribed)
	clients := []*wsClient{all, named}

	r.publish(t, obsAt(1, 31), obsAt(2, 11)) // 31 is on the private device
	for _, c := range clients {
		if f := c.expect(typeObservation); f.Offset != 2 {
			t.Errorf("got offset %d (Datastream %d), want 2: private 31 must not be sent",
				f.Offset, f.Datastream)
		}
	}

	r.cat.set(registry(eui3, eui1)) // device 1 turns private
	r.publish(t, obsAt(3, 11), obsAt(4, 21))
	for _, c := range clients {
		if f := c.expect(typeObservation); f.Offset != 4 {
			t.Errorf("got offset %d (Datastream %d), want 4: device 1 turned private",
				f.Offset, f.Datastream)
		}
	}

	late := r.dial(t, "from=0") // replay also asks at send time
	late.expect(typeSubscribed)
	if got := late.offsetsUntil(4); len(got) != 1 || got[0] != 4 {
		t.Errorf("replay sent %v, want only 4", got)
	}
}

func TestCloseGoingAway(t *testing.T) {
	r := newRig(t, Options{}, nil)
	c := r.dial(t, "")
	c.expect(typeSubscribed)
	r.hub.Close()

	_, err := c.read()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Errorf("after Close got %v, want close 1001", err)
	}
	if n := r.hub.Clients(); n != 0 {
		t.Errorf("Clients() = %d after Close", n)
	}
	u := "ws" + strings.TrimPrefix(r.srv.URL, "http") + "/v1/stream"
	_, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err == nil || resp == nil || resp.StatusCode != 503 {
		t.Errorf("dial after Close: %v, %+v; want 503", err, resp)
	}
}

// counterValue reads a Prometheus counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatalf("read counter: %v", err)
	}
	return m.GetCounter().GetValue()
}

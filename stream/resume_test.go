package stream

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store/memstore"
)

func TestOrdering(t *testing.T) {
	r := newRig(t, Options{ClientQueue: 20000}, nil)
	c := r.dial(t, "")
	c.expect(typeSubscribed)

	rng := rand.New(rand.NewPCG(1, 2))
	var want []uint64
	id := uint64(0)
	for len(want) < 5000 {
		batch := make([]model.Observation, 1+rng.IntN(20))
		for i := range batch {
			id += 1 + uint64(rng.IntN(3)) // offsets increase but are not contiguous
			batch[i] = obsAt(id, publicStreams[rng.IntN(len(publicStreams))])
			want = append(want, id)
		}
		r.publish(t, batch...)
	}
	if got := c.offsetsUntil(id); !slices.Equal(got, want) {
		t.Fatalf("got %d offsets, want %d in order; first difference at %d", len(got),
			len(want), firstDiff(got, want))
	}
}

func TestResume(t *testing.T) {
	cases := []struct {
		name      string
		opt       Options
		preload   uint64 // offsets 1..preload stored before the hub starts
		published uint64 // then offsets preload+1..published published
		from      uint64
		viaMsg    bool
		fromStore bool
	}{
		{name: "from the ring by URL", published: 100, from: 40},
		{name: "from the ring by message", published: 100, from: 40, viaMsg: true},
		{name: "from the store, ring too small", opt: Options{Buffer: 8}, published: 100,
			from: 10, fromStore: true},
		{name: "from the store by message", opt: Options{Buffer: 8}, published: 100,
			from: 10, viaMsg: true, fromStore: true},
		{name: "from before the hub started", preload: 50, published: 60, from: 0,
			fromStore: true},
		{name: "from the head", published: 30, from: 30},
		{name: "ring empty, store only", opt: Options{Buffer: 1}, published: 20, from: 3,
			fromStore: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStore{}
			if err := st.Append(context.Background(), series(1, tc.preload)); err != nil {
				t.Fatal(err)
			}
			r := newRig(t, tc.opt, st)
			r.publish(t, series(tc.preload+1, tc.published)...)

			c := resumed(t, r, tc.from, tc.viaMsg)
			got := []uint64{}
			if tc.from < tc.published {
				got = c.offsetsUntil(tc.published)
			}
			if want := rangeOf(tc.from+1, tc.published); !slices.Equal(got, want) {
				t.Errorf("replayed %v, want %v", got, want)
			}
			if f := c.expect(typeCaughtUp); f.Offset != tc.published {
				t.Errorf("caughtUp at %d, want %d", f.Offset, tc.published)
			}
			if scanned := r.st.scans.Load() > 0; scanned != tc.fromStore {
				t.Errorf("store scanned: %t, want %t", scanned, tc.fromStore)
			}

			r.publish(t, series(tc.published+1, tc.published+10)...)
			live := c.offsetsUntil(tc.published + 10)
			if want := rangeOf(tc.published+1, tc.published+10); !slices.Equal(live, want) {
				t.Errorf("live after replay %v, want %v", live, want)
			}
		})
	}
}

// resumed connects a client that resumes after from, by URL or by message, and checks the
// subscribed frame.
func resumed(t *testing.T, r *rig, from uint64, viaMsg bool) *wsClient {
	t.Helper()
	var c *wsClient
	if viaMsg {
		c = r.dial(t, "")
		c.expect(typeSubscribed)
		c.send(fmt.Sprintf(`{"type":"subscribe","from":%d}`, from))
	} else {
		c = r.dial(t, fmt.Sprintf("from=%d", from))
	}
	f := c.next()
	for f.Type == typeObservation { // frames of the URL's live subscription may come first
		f = c.next()
	}
	if f.Type != typeSubscribed || f.From == nil || *f.From != from {
		t.Fatalf("subscribed %+v, want from %d", f, from)
	}
	return c
}

// TestResumeOnMemstore replays from the real in-memory store, whose keyset paging the
// hub's store replay and MaxReplay walk must agree with.
func TestResumeOnMemstore(t *testing.T) {
	r := newRigOn(t, Options{Buffer: 4, MaxReplay: 3000}, memstore.New())
	var ids []uint64
	for _, id := range gappedOffsets(5000) {
		ids = append(ids, id)
		r.publish(t, obsAt(id, publicStreams[id%3]))
	}
	from := ids[1000]
	c := r.dial(t, fmt.Sprintf("from=%d", from))
	e := c.expect(typeError) // 3,999 are after from; the newest 3,000 stored are replayed
	if want := ids[len(ids)-4-3000-1]; e.Code != codeReplayLimited || *e.From != want {
		t.Fatalf("error frame %+v, want %s from %d", e, codeReplayLimited, want)
	}
	c.expect(typeSubscribed)
	if got := c.offsetsUntil(ids[len(ids)-1]); !slices.Equal(got, ids[len(ids)-3004:]) {
		t.Errorf("got %d offsets, want the last 3004; first difference at %d", len(got),
			firstDiff(got, ids[len(ids)-3004:]))
	}
}

func TestMaxReplay(t *testing.T) {
	r := newRig(t, Options{Buffer: 8, MaxReplay: 20}, nil)
	r.publish(t, series(1, 100)...) // the ring holds 93..100; the store part is 11..92

	c := r.dial(t, "from=10")
	e := c.expect(typeError)
	if e.Code != codeReplayLimited || e.From == nil || *e.From != 72 {
		t.Fatalf("error frame %+v, want %s from 72 (the newest 20 stored are 73..92)", e,
			codeReplayLimited)
	}
	if f := c.expect(typeSubscribed); f.From == nil || *f.From != 72 || f.Head != 100 {
		t.Fatalf("subscribed %+v, want from 72, head 100", f)
	}
	if got := c.offsetsUntil(100); !slices.Equal(got, rangeOf(73, 100)) {
		t.Errorf("replayed %v, want 73..100", got)
	}
	c.expect(typeCaughtUp)
}

func TestReplayStoreFailure(t *testing.T) {
	r := newRig(t, Options{Buffer: 4}, &fakeStore{scanErr: errors.New("disk on fire")})
	r.publish(t, series(1, 20)...)
	c := r.dial(t, "from=1")
	c.expect(typeSubscribed)
	if f := c.expect(typeError); f.Code != codeReplayFailed {
		t.Errorf("error frame %+v, want %s", f, codeReplayFailed)
	}
	_, err := c.read()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseInternalServerErr {
		t.Errorf("got %v, want close 1011", err)
	}
}

// TestResumeExactlyOnceUnderPublish connects resuming clients while a publisher keeps going,
// with a ring small enough that most resumes hand over from store to ring to live. Each client
// must get every offset after its from exactly once, in order. Run it with -race.
func TestResumeExactlyOnceUnderPublish(t *testing.T) {
	st := &fakeStore{scanDelay: 200 * time.Microsecond}
	r := newRig(t, Options{Buffer: 64, ClientQueue: 1 << 16}, st)
	ids := gappedOffsets(4000)
	var published atomic.Int64 // how many of ids are published

	done := make(chan struct{})
	go func() {
		defer close(done)
		rng := rand.New(rand.NewPCG(3, 4))
		for i := 0; i < len(ids); {
			n := min(1+rng.IntN(6), len(ids)-i)
			var batch []model.Observation
			for _, id := range ids[i : i+n] {
				batch = append(batch, obsAt(id, publicStreams[id%3]))
			}
			r.publish(t, batch...)
			i += n
			published.Store(int64(i))
			if i%50 < n {
				time.Sleep(time.Millisecond) // let clients arrive mid-stream
			}
		}
	}()

	var wg sync.WaitGroup
	for k := range 16 {
		wg.Add(1)
		time.Sleep(time.Duration(k) * 2 * time.Millisecond)
		seen := int(published.Load())
		from := uint64(0)
		if seen > 0 && k%4 != 0 {
			from = ids[rand.IntN(seen)]
		}
		c := resumed(t, r, from, k%2 == 1)
		go func() {
			defer wg.Done()
			checkExactlyOnce(t, c, ids, from)
		}()
	}
	wg.Wait()
	<-done
}

// checkExactlyOnce reads a resumed client up to the last of ids and compares.
func checkExactlyOnce(t *testing.T, c *wsClient, ids []uint64, from uint64) {
	var got []uint64
	last := ids[len(ids)-1]
	for {
		f, err := c.read()
		if err != nil {
			t.Errorf("client from %d: %v after %d frames", from, err, len(got))
			return
		}
		if f.Type == typeObservation {
			got = append(got, f.Offset)
		}
		if f.Offset == last {
			break
		}
	}
	i, _ := slices.BinarySearch(ids, from+1)
	if want := ids[i:]; !slices.Equal(got, want) {
		t.Errorf("client from %d: got %d offsets, want %d; first difference at index %d",
			from, len(got), len(want), firstDiff(got, want))
	}
}

// gappedOffsets returns n increasing offsets with random gaps.
func gappedOffsets(n int) []uint64 {
	rng := rand.New(rand.NewPCG(5, 6))
	ids := make([]uint64, n)
	id := uint64(0)
	for i := range ids {
		id += 1 + uint64(rng.IntN(4))
		ids[i] = id
	}
	return ids
}

// firstDiff returns the first index at which a and b differ.
func firstDiff(a, b []uint64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSubscribeReplacesRunningReplay sends a new subscription while a slow store replay runs:
// the replay stops, the new filter takes over, and live delivery follows it.
func TestSubscribeReplacesRunningReplay(t *testing.T) {
	st := &fakeStore{scanDelay: 20 * time.Millisecond}
	r := newRig(t, Options{Buffer: 4}, st)
	r.publish(t, series(1, 20000)...)

	c := resumed(t, r, 0, false)
	c.send(`{"type":"subscribe","datastreams":[21]}`)
	for f := c.next(); f.Type != typeSubscribed; f = c.next() {
		if f.Type != typeObservation {
			t.Fatalf("got %+v before the new subscription took over", f)
		}
	}
	r.publish(t, obsAt(20001, 11), obsAt(20002, 21))
	if f := c.expect(typeObservation); f.Offset != 20002 {
		t.Errorf("got offset %d, want 20002 of Datastream 21", f.Offset)
	}
}

// TestResumeFromAhead: a client whose offset lies beyond the newest one (the hub's data was
// reset) is told so and gets what comes next, instead of silence.
func TestResumeFromAhead(t *testing.T) {
	r := newRig(t, Options{}, &fakeStore{})
	r.publish(t, series(1, 10)...)
	c := r.dial(t, "from=9007199254740993")
	e := c.expect(typeError)
	if e.Code != codeFromAhead || e.From == nil || *e.From != 10 {
		t.Fatalf("error frame %+v, want from_ahead with from 10", e)
	}
	if s := c.expect(typeSubscribed); s.From == nil || *s.From != 10 {
		t.Fatalf("subscribed frame %+v, want from 10", s)
	}
	c.expect(typeCaughtUp)
	r.publish(t, series(11, 12)...)
	if got := c.offsetsUntil(12); !slices.Equal(got, []uint64{11, 12}) {
		t.Errorf("after the reset the client got offsets %v, want [11 12]", got)
	}
}

// TestPublishDropsStaleOffsets publishes offsets again, with no client and then with one:
// an offset not above the last published is dropped both times, and the ring replays
// each once.
func TestPublishDropsStaleOffsets(t *testing.T) {
	r := newRig(t, Options{}, nil)
	r.hub.Publish(series(1, 10)) // no client yet: the ring alone
	r.hub.Publish(series(5, 12))
	c := resumed(t, r, 0, false)
	if got, want := c.offsetsUntil(12), rangeOf(1, 12); !slices.Equal(got, want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	c.expect(typeCaughtUp)
	r.hub.Publish(series(11, 15)) // with a client
	if got, want := c.offsetsUntil(15), rangeOf(13, 15); !slices.Equal(got, want) {
		t.Fatalf("live %v, want %v", got, want)
	}
	if r.st.scans.Load() != 0 {
		t.Errorf("the store was scanned %d times; the ring holds everything", r.st.scans.Load())
	}
}

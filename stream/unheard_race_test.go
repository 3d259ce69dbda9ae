package stream

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// TestPublishUnheardAttachRace: one client at a time connects, resumes, reads a stretch and
// leaves, so that the hub keeps going between no client registered (Publish fills the ring
// alone) and one (Publish builds entries), while a publisher never stops. Every client must
// get each offset after its from exactly once, in order; run with -race.
func TestPublishUnheardAttachRace(t *testing.T) {
	st := &fakeStore{}
	r := newRig(t, Options{Buffer: 32, ClientQueue: 1 << 16}, st)
	ids := gappedOffsets(20000)
	var published atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		rng := rand.New(rand.NewPCG(7, 8))
		for i := 0; i < len(ids); {
			select {
			case <-stop:
				return
			default:
			}
			n := min(1+rng.IntN(4), len(ids)-i)
			var batch []model.Observation
			for _, id := range ids[i : i+n] {
				batch = append(batch, obsAt(id, publicStreams[id%3]))
			}
			r.publish(t, batch...)
			i += n
			published.Store(int64(i))
			if rng.IntN(8) == 0 {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}()
	defer func() { close(stop); <-done }()

	rng := rand.New(rand.NewPCG(9, 10))
	for k := 0; k < 60; k++ {
		seen := int(published.Load())
		if seen+200 >= len(ids) {
			break
		}
		from := uint64(0)
		if seen > 0 {
			from = ids[max(0, seen-1-rng.IntN(40))] // mostly from the ring
		}
		target := ids[seen+100]
		c := resumed(t, r, from, k%2 == 1)
		var got []uint64
		for {
			f, err := c.read()
			if err != nil {
				t.Fatalf("client %d from %d: %v after %d frames", k, from, err, len(got))
			}
			if f.Type == typeObservation {
				got = append(got, f.Offset)
				if f.Offset >= target {
					break
				}
			}
		}
		i, _ := slices.BinarySearch(ids, from+1)
		j, _ := slices.BinarySearch(ids, target)
		if want := ids[i : j+1]; !slices.Equal(got, want) {
			t.Fatalf("client %d from %d: %d offsets, want %d; first difference at %d (%v)",
				k, from, len(got), len(want), firstDiff(got, want),
				got[firstDiff(got, want):min(len(got), firstDiff(got, want)+3)])
		}
		_ = c.conn.Close()
		for deadline := time.Now().Add(waitFor); r.hub.Clients() > 0; {
			if time.Now().After(deadline) {
				t.Fatal("the closed client is still counted")
			}
			time.Sleep(100 * time.Microsecond) // polled: the session ends on its own
		}
	}
}

package pipeline

import (
	"sync"

	"github.com/vindel-hub/vindel/internal/store"
)

// acker releases transport acknowledgements in the order the Messages were queued, although
// workers finish them in any order: MQTT 3.1.1 §4.6 has a receiver send PUBACKs in the order
// the PUBLISH packets came. A Message is acknowledged only when it was kept, but its place in
// the order is released either way, so one failure does not hold back the others.
type acker struct {
	mu      sync.Mutex
	last    uint64            // the last sequence number reserved
	next    uint64            // the next one to release
	pending map[uint64]func() // finished, waiting for the ones before them; nil: no ack
}

func newAcker() *acker { return &acker{next: 1, pending: map[uint64]func(){}} }

// reserve takes the next place in the order.
func (a *acker) reserve() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last++
	return a.last
}

// done finishes place seq: ack is called (or, when nil, skipped) once every place before it
// is done too.
func (a *acker) done(seq uint64, ack func()) {
	a.mu.Lock()
	a.pending[seq] = ack
	var ready []func()
	for {
		f, ok := a.pending[a.next]
		if !ok {
			break
		}
		delete(a.pending, a.next)
		a.next++
		if f != nil {
			ready = append(ready, f)
		}
	}
	a.mu.Unlock()
	for _, f := range ready { // outside the lock: a transport's ack may block
		f()
	}
}

// wrap gives a Message's Ack a place in the order. The returned function finishes that place;
// kept says whether to acknowledge, whatever the outcome.
func (a *acker) wrap(ack func()) finishFunc {
	if ack == nil {
		return nil
	}
	seq := a.reserve()
	return func(_ store.Outcome, kept bool) {
		if kept {
			a.done(seq, ack)
			return
		}
		a.done(seq, nil)
	}
}

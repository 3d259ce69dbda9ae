package pipeline

import (
	"sync"
	"time"
)

// window remembers uplink keys for a bounded time, to drop the same uplink heard again: from a
// second gateway path, a second source, or a broker redelivering after a reconnect.
type window struct {
	ttl time.Duration

	mu    sync.Mutex
	keys  map[string]time.Time
	order []entry // oldest first from head, for expiry
	head  int
}

type entry struct {
	key string
	at  time.Time
}

func newWindow(ttl time.Duration) *window {
	return &window{ttl: ttl, keys: map[string]time.Time{}}
}

// seen records key and reports whether it was already inside the window. at is when the
// uplink was received; a zero at means now.
func (w *window) seen(key string, at time.Time) bool {
	now := time.Now()
	if at.IsZero() || at.After(now) {
		at = now
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expire(now)
	if _, dup := w.keys[key]; dup {
		return true
	}
	w.keys[key] = at
	w.order = append(w.order, entry{key, now})
	return false
}

func (w *window) expire(now time.Time) {
	for w.head < len(w.order) && now.Sub(w.order[w.head].at) > w.ttl {
		delete(w.keys, w.order[w.head].key)
		w.order[w.head] = entry{}
		w.head++
	}
	if w.head > 1024 && w.head > len(w.order)/2 {
		w.order = append(w.order[:0], w.order[w.head:]...)
		w.head = 0
	}
}

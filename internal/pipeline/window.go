package pipeline

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"sync"
	"time"
)

// window remembers recent uplink keys to drop the same uplink heard again: from a second
// gateway path, a second network server or a broker redelivering after a reconnect. Copies of
// one uplink carry the same reception time (a redelivery is the same envelope) or times
// moments apart (two network servers), so a key seen again counts as a duplicate only when
// its reception time lies within tolerance of the first: a device whose FCnt restarted after
// a rejoin, sending an unchanged payload minutes later, is not mistaken for one.
type window struct {
	ttl       time.Duration // how long a key is remembered
	tolerance time.Duration // how far apart the reception times of two copies may lie
	epoch     time.Time     // at and expiry count from here, on the monotonic clock

	mu    sync.Mutex
	keys  map[windowKey]stamp
	order entryQueue // oldest first, for expiry
}

// windowKey is a key as the window holds it: the key's bytes inline, or for a key too long
// for that a SHA-256 of it. Neither it nor stamp holds a pointer, so the garbage collector
// does not walk a window of millions of keys.
type windowKey [1 + 47]byte

func keyOf(s string) windowKey {
	var k windowKey
	if len(s) < len(k) {
		k[0] = byte(len(s))
		copy(k[1:], s)
		return k
	}
	sum := sha256.Sum256([]byte(s))
	k[0] = 0xff
	copy(k[1:], sum[:])
	return k
}

// stamp is what the window knows of a key: the reception times of the uplinks seen under it
// (zero when an envelope had none; the newest few, since a device may reuse a key after an
// FCnt restart and copies may come in any order) and when the window last remembered it.
// Reception times are Unix nanoseconds and at is nanoseconds since the window's epoch, which
// keeps the map's values small.
type stamp struct {
	first int64                  // the first reception time: most keys never get a second
	more  [timesPerKey - 1]int64 // later ones, oldest first
	n     int8                   // how many of more are set
	at    int64
}

// timesPerKey bounds the reception times remembered under one key.
const timesPerKey = 4

type entry struct {
	key windowKey
	at  int64 // when it was remembered
}

func newWindow(ttl, tolerance time.Duration) *window {
	return &window{ttl: ttl, tolerance: tolerance, keys: map[windowKey]stamp{}, epoch: time.Now()}
}

// seen records key with the uplink's reception time (zero when the envelope has none) and
// reports whether it is a copy of an uplink already inside the window.
func (w *window) seen(key string, receivedAt time.Time) bool {
	now := int64(time.Since(w.epoch)) // monotonic: a clock step neither keeps nor drops keys
	var received int64
	if !receivedAt.IsZero() {
		received = receivedAt.UnixNano()
	}
	k := keyOf(key)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expire(now)
	st, ok := w.keys[k]
	switch {
	case !ok:
		st.first = received
	case w.copyOf(st.first, received):
		return true
	default:
		for _, prev := range st.more[:st.n] {
			if w.copyOf(prev, received) {
				return true
			}
		}
		if int(st.n) == len(st.more) {
			copy(st.more[:], st.more[1:])
			st.n--
		}
		st.more[st.n] = received
		st.n++
	}
	st.at = now
	w.keys[k] = st
	w.order.push(entry{k, now})
	return false
}

func (w *window) copyOf(prev, received int64) bool {
	if prev == 0 || received == 0 {
		return true // without times, the key alone decides
	}
	d := time.Duration(received - prev)
	return d <= w.tolerance && d >= -w.tolerance
}

func (w *window) expire(now int64) {
	for {
		e, ok := w.order.front()
		if !ok || time.Duration(now-e.at) <= w.ttl {
			return
		}
		if st, ok := w.keys[e.key]; ok && st.at == e.at { // else remembered again since
			delete(w.keys, e.key)
		}
		w.order.pop()
	}
}

// entryQueue is a queue of entries in fixed chunks: a growing window appends without ever
// copying what it holds, and expiry frees whole chunks.
type entryQueue struct {
	chunks [][]entry // each of capacity queueChunk; the first from head on is live
	head   int
}

const queueChunk = 4096

func (q *entryQueue) push(e entry) {
	if n := len(q.chunks); n == 0 || len(q.chunks[n-1]) == queueChunk {
		q.chunks = append(q.chunks, make([]entry, 0, queueChunk))
	}
	last := &q.chunks[len(q.chunks)-1]
	*last = append(*last, e)
}

// front returns the oldest entry, if there is one.
func (q *entryQueue) front() (entry, bool) {
	if len(q.chunks) == 0 || q.head >= len(q.chunks[0]) {
		return entry{}, false
	}
	return q.chunks[0][q.head], true
}

// pop drops the oldest entry; front must have returned one.
func (q *entryQueue) pop() {
	q.head++
	if q.head == queueChunk {
		q.chunks[0] = nil
		q.chunks = q.chunks[1:]
		q.head = 0
	}
}

// archiveKey is the dedup key as the archive keeps it: the key and the reception time, so
// that the window can be rebuilt with times after a restart.
func archiveKey(key string, received time.Time) string {
	if received.IsZero() {
		return key
	}
	var num [20]byte
	ns := strconv.AppendInt(num[:0], received.UnixNano(), 10)
	var b strings.Builder
	b.Grow(len(key) + 1 + len(ns))
	b.WriteString(key)
	b.WriteByte('@')
	b.Write(ns)
	return b.String()
}

// parseArchiveKey splits what archiveKey joined.
func parseArchiveKey(s string) (string, time.Time) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return s, time.Time{}
	}
	ns, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil {
		return s, time.Time{}
	}
	return s[:i], time.Unix(0, ns).UTC()
}

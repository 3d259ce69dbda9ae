package pipeline

import (
	"strings"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2024, 3, 14, 8, 15, 2, 0, time.UTC)
	tests := []struct {
		name        string
		first, next time.Time
		dup         bool
	}{
		{"redelivery: the same envelope", t0, t0, true},
		{"a second network server, moments later", t0, t0.Add(700 * time.Millisecond), true},
		{"the second copy arrived first", t0, t0.Add(-3 * time.Second), true},
		{"FCnt restarted, same payload ten minutes later", t0, t0.Add(10 * time.Minute), false},
		{"no reception time in the envelopes", time.Time{}, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(time.Hour, 2*time.Minute)
			if w.seen("k", tt.first) {
				t.Fatal("first sight reported as a duplicate")
			}
			if got := w.seen("k", tt.next); got != tt.dup {
				t.Errorf("second sight duplicate = %v, want %v", got, tt.dup)
			}
		})
	}
}

func TestWindowExpiresAndKeepsRefreshed(t *testing.T) {
	w := newWindow(50*time.Millisecond, time.Minute)
	t0 := time.Now()
	w.seen("a", t0)
	w.seen("b", t0)
	time.Sleep(30 * time.Millisecond)
	w.seen("b", t0.Add(10*time.Minute)) // new data under the same key: remembered again
	time.Sleep(30 * time.Millisecond)
	if w.seen("a", t0) {
		t.Error("key a outlived the window")
	}
	if !w.seen("b", t0.Add(10*time.Minute)) {
		t.Error("key b, remembered again, expired with its first sight")
	}
}

func TestArchiveKeyRoundTrip(t *testing.T) {
	at := time.Date(2024, 3, 14, 8, 15, 2, 123456789, time.UTC)
	for _, tt := range []struct {
		key string
		at  time.Time
	}{{"a1b2c3d4e5f60708:00ff", at}, {"a1b2c3d4e5f60708:00ff", time.Time{}}} {
		k, got := parseArchiveKey(archiveKey(tt.key, tt.at))
		if k != tt.key || !got.Equal(tt.at) {
			t.Errorf("round trip of (%q, %v) = (%q, %v)", tt.key, tt.at, k, got)
		}
	}
}

// TestWindowCopiesOutOfOrder: an uplink reusing a key (after an FCnt restart) and a late copy
// of the earlier one are told apart whatever order they come in.
func TestWindowCopiesOutOfOrder(t *testing.T) {
	w := newWindow(time.Hour, 2*time.Minute)
	t0 := time.Date(2024, 3, 14, 8, 15, 2, 0, time.UTC)
	if w.seen("k", t0) || w.seen("k", t0.Add(time.Hour)) {
		t.Fatal("two uplinks an hour apart under one key: a duplicate reported")
	}
	if !w.seen("k", t0) {
		t.Error("a late copy of the first uplink was not recognised")
	}
	if !w.seen("k", t0.Add(time.Hour)) {
		t.Error("a copy of the second uplink was not recognised")
	}
}

// TestWindowLongKeys checks keys longer than the window holds inline, which it hashes: the
// same key is a duplicate, keys that differ only at their end are not.
func TestWindowLongKeys(t *testing.T) {
	w := newWindow(time.Hour, time.Minute)
	long := strings.Repeat("a1b2c3d4e5f60708:", 4)
	t0 := time.Now()
	if w.seen(long+"x", t0) || w.seen(long+"y", t0) {
		t.Fatal("first sight of a long key reported as a duplicate")
	}
	if !w.seen(long+"x", t0) {
		t.Error("the same long key again not reported as a duplicate")
	}
	if keyOf(long+"x") == keyOf(long+"y") || keyOf("ab") == keyOf("ab\x00") {
		t.Error("distinct keys map to one window key")
	}
}

// TestEntryQueue pushes and pops across chunk boundaries: entries come out in order, and
// an emptied queue takes new ones.
func TestEntryQueue(t *testing.T) {
	var q entryQueue
	next, popped := int64(0), int64(0)
	pop := func(n int) {
		for range n {
			e, ok := q.front()
			if !ok || e.at != popped {
				t.Fatalf("front = %d, %v; want %d", e.at, ok, popped)
			}
			q.pop()
			popped++
		}
	}
	push := func(n int) {
		for range n {
			q.push(entry{at: next})
			next++
		}
	}
	push(3*queueChunk + 7)
	pop(2*queueChunk + 1)
	push(queueChunk)
	pop(int(next - popped))
	if _, ok := q.front(); ok {
		t.Fatal("front of an empty queue")
	}
	push(5)
	pop(5)
	if len(q.chunks) > 1 {
		t.Fatalf("%d chunks held for an empty queue", len(q.chunks))
	}
}

package pebblestore

import (
	"fmt"
	"testing"
	"time"
)

// TestDropRawBefore keeps uplinks of two devices over 600 seconds in small log segments and
// drops those before second 300: every uplink from then on stays, by device and in all, also
// after a reopen; the device blocks of deleted uplinks are gone; Keep goes on.
func TestDropRawBefore(t *testing.T) {
	dir := t.TempDir()
	opt := Options{RawSegmentSize: 2000, IndexSpan: 8}
	s := openDir(t, dir, opt)
	for k := 0; k < 600; k += 20 {
		keepAll(t, s, rawsFor(k, 20))
	}
	blocks := countKeys(t, s, prefixDevBlock)

	n, err := s.DropRawBefore(t.Context(), t0.Add(300*time.Second))
	if err != nil || n == 0 {
		t.Fatalf("DropRawBefore: %d segments, %v", n, err)
	}
	if left := countKeys(t, s, prefixDevBlock); left >= blocks {
		t.Errorf("device blocks: %d before the drop, %d after", blocks, left)
	}
	check := func(what string, s *Store) int {
		t.Helper()
		all, err := s.Raw(t.Context(), "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		first := int(all[0].ReceivedAt.Sub(t0) / time.Second)
		if first == 0 || first > 300 || len(all) != 600-first {
			t.Fatalf("%s: %d uplinks from second %d, want some dropped and none from 300 on",
				what, len(all), first)
		}
		for dev := range 2 {
			var want []string
			for k := first; k < 600; k++ {
				if k%2 == dev {
					want = append(want, fmt.Sprintf("k%d", k))
				}
			}
			if got := dedupKeys(t, s, fmt.Sprintf("0%d", dev)); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: device 0%d has %v, want %v", what, dev, got, want)
			}
		}
		keys, err := s.Since(t.Context(), t0)
		if err != nil || len(keys) != len(all) {
			t.Fatalf("%s: Since gave %d keys (%v), want %d", what, len(keys), err, len(all))
		}
		return first
	}
	first := check("after the drop", s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir, opt)
	if got := check("after reopen", s); got != first {
		t.Fatalf("first uplink after reopen: second %d, was %d", got, first)
	}
	keepAll(t, s, rawsFor(600, 10))
	if got := dedupKeys(t, s, "01"); got[len(got)-1] != "k609" {
		t.Fatalf("after more Keeps device 01 ends at %v", got[len(got)-1])
	}
	if n, err := s.DropRawBefore(t.Context(), t0.Add(300*time.Second)); err != nil || n != 0 {
		t.Fatalf("second DropRawBefore: %d, %v", n, err)
	}
}

// countKeys counts the keys of a prefix.
func countKeys(t *testing.T, s *Store, prefix byte) int {
	t.Helper()
	it, err := s.db.NewIter(prefixBounds(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n
}

package memstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/vindel-hub/vindel/internal/store"
)

// Keep stores copies of rs and returns the last one's sequence number. A zero ReceivedAt is
// set to now.
func (s *Store) Keep(ctx context.Context, rs ...store.RawUplink) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errClosed
	}
	for _, r := range rs {
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = time.Now()
		}
		r.ReceivedAt = r.ReceivedAt.UTC()
		r.Seq = uint64(len(s.raws) + 1)
		r.Envelope = slices.Clone(r.Envelope)
		s.raws = append(s.raws, r)
		s.byDev[r.DevEUI] = append(s.byDev[r.DevEUI], len(s.raws)-1)
	}
	return uint64(len(s.raws)), nil
}

// Raw returns raw uplinks after afterSeq, oldest first; devEUI, when set, selects one
// device. A limit of 0 or less means no limit.
func (s *Store) Raw(ctx context.Context, devEUI string, afterSeq uint64,
	limit int) ([]store.RawUplink, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []store.RawUplink
	add := func(i int) bool {
		r := s.raws[i]
		r.Envelope = slices.Clone(r.Envelope)
		out = append(out, r)
		return limit <= 0 || len(out) < limit
	}
	if devEUI == "" {
		for i := int(min(afterSeq, uint64(len(s.raws)))); i < len(s.raws); i++ {
			if !add(i) {
				break
			}
		}
		return out, nil
	}
	idx := s.byDev[devEUI]
	// Sequence numbers are index+1, so the first one after afterSeq has index >= afterSeq.
	start, _ := slices.BinarySearchFunc(idx, afterSeq, func(i int, seq uint64) int {
		return cmp.Compare(uint64(i), seq)
	})
	for _, i := range idx[start:] {
		if !add(i) {
			break
		}
	}
	return out, nil
}

// Since returns the non-empty dedup keys of uplinks received at or after t, oldest first.
func (s *Store) Since(ctx context.Context, t time.Time) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var sel []store.RawUplink
	for _, r := range s.raws {
		if r.DedupKey != "" && !r.ReceivedAt.Before(t) {
			sel = append(sel, r)
		}
	}
	slices.SortStableFunc(sel, func(a, b store.RawUplink) int {
		return a.ReceivedAt.Compare(b.ReceivedAt)
	})
	keys := make([]string, len(sel))
	for i, r := range sel {
		keys[i] = r.DedupKey
	}
	return keys, nil
}

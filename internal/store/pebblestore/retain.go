package pebblestore

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// DropRawBefore deletes the raw uplinks received before t, a whole segment of the log at a
// time (rawlog.Log.DropBefore), and then the device index blocks that name only deleted
// ones. It returns how many segments went. The Observations decoded from the uplinks stay;
// only their envelopes go, so they can no longer be decoded again.
func (s *Store) DropRawBefore(ctx context.Context, t time.Time) (int, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	cut := t.UnixNano()
	switch {
	case t.Before(minTime):
		return 0, nil
	case t.After(maxTime):
		cut = maxTime.UnixNano()
	}
	n, err := s.raw.DropBefore(cut)
	if err != nil {
		return n, fmt.Errorf("pebblestore: drop raw uplinks: %w", err)
	}
	if first := s.raw.FirstSeq(); first > s.prunedBelow.Load() {
		if err := s.pruneDevBlocks(ctx, first); err != nil {
			return n, fmt.Errorf("pebblestore: drop raw uplinks: %w", err)
		}
		s.prunedBelow.Store(first)
	}
	return n, nil
}

// pruneDevBlocks deletes the device index blocks whose numbers all lie below first, the
// first the log still holds. A block written later from pending numbers that old (up to
// IndexSpan behind the newest) goes at the next prune after first moves; until then a
// reader skips its numbers, as it does any below first.
func (s *Store) pruneDevBlocks(ctx context.Context, first uint64) error {
	it, err := s.db.NewIterWithContext(ctx, prefixBounds(prefixDevBlock))
	if err != nil {
		return err
	}
	defer it.Close()
	rw := newRewrite(s.db)
	defer rw.close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := it.Key()
		if _, err := devKeyEUI(k, prefixDevBlock); err != nil { // checks the framing
			return err
		}
		plen := len(k) - 8 // a block key ends in its first number
		if binary.BigEndian.Uint64(k[plen:]) >= first {
			continue // a block starts at its lowest number
		}
		var last uint64
		err = eachSeq(k, plen, it.Value(), func(q uint64) bool { last = q; return true })
		if err != nil {
			return err
		}
		if last < first {
			_ = rw.b.Delete(k, nil)
			n++
			if err := rw.spill(); err != nil {
				return err
			}
		}
	}
	if err := it.Error(); err != nil {
		return err
	}
	if err := rw.finish(); err != nil {
		return err
	}
	s.log.Debug("device index blocks of deleted raw uplinks removed", "blocks", n,
		"first_seq", first)
	return nil
}

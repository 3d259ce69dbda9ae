package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/rawlog"
)

// The raw uplinks live in a rawlog beside the database, not in it: an envelope is written
// once and never changed, and in the LSM tree each one was compressed again and rewritten at
// every compaction, which made the archive the larger part of the store's cost per uplink.
// The database keeps only the per-device index, in blocks (devindex.go).

// Keep appends raw uplinks to the log and their numbers to the device index, and returns
// the last one's sequence number. The uplinks are readable at once and durable after
// the next Flush (with Options.Sync, at once): a caller about to acknowledge an uplink to its
// sender calls Flush first, one sync for many Keeps. A zero ReceivedAt is set to now.
func (s *Store) Keep(ctx context.Context, rs ...store.RawUplink) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pebblestore: keep: %w", err)
	}
	if len(rs) == 0 {
		return s.lastSeq(), nil
	}

	// Sequence numbers are assigned and written under one lock, so a reader paging by
	// sequence number never sees a later one before an earlier one.
	s.archiveMu.Lock()
	defer s.archiveMu.Unlock()
	seq, err := s.appendLog(rs)
	if err != nil {
		return 0, fmt.Errorf("pebblestore: keep: %w", err)
	}
	first := seq - uint64(len(rs)) + 1
	for i, r := range rs {
		if r.DevEUI != "" { // Raw without a DevEUI reads the log itself
			s.dev.add(r.DevEUI, first+uint64(i))
		}
	}
	if err := s.writeIndex(seq); err != nil {
		return 0, fmt.Errorf("pebblestore: keep: %w", err)
	}
	if s.opt.Sync {
		if err := s.raw.Sync(); err != nil {
			return 0, fmt.Errorf("pebblestore: keep: %w", err)
		}
	}
	return seq, nil
}

// appendLog numbers rs after the last sequence number, encodes them into one reused buffer
// and appends them to the log in one write. It returns the last number; archiveMu is held.
func (s *Store) appendLog(rs []store.RawUplink) (uint64, error) {
	recs, buf, ends := s.recs[:0], s.rawBuf[:0], s.rawEnds[:0]
	seq := s.seq
	for _, r := range rs {
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = time.Now()
		}
		at, err := nanos(r.ReceivedAt)
		if err != nil {
			return 0, fmt.Errorf("receivedAt: %w", err)
		}
		seq++
		buf = appendRaw(buf, r, at)
		ends = append(ends, len(buf))
		recs = append(recs, rawlog.Record{Seq: seq, At: at})
	}
	start := 0
	for i, end := range ends { // after the appends: buf may have moved while it grew
		recs[i].Payload = buf[start:end]
		start = end
	}

	err := s.raw.Append(recs...) // copies what it writes
	clear(recs)
	s.recs, s.rawBuf, s.rawEnds = recs, buf[:0], ends
	if cap(buf) > 1<<20 {
		s.rawBuf = nil // not held on to after a burst of large envelopes
	}
	if err != nil {
		return 0, err
	}
	s.seq = seq // taken by the log, whatever becomes of the index
	return seq, nil
}

func (s *Store) lastSeq() uint64 {
	s.archiveMu.Lock()
	defer s.archiveMu.Unlock()
	return s.seq
}

// Raw returns raw uplinks after afterSeq, oldest first; devEUI, when set, selects one
// device through its index. A limit of 0 or less means no limit.
func (s *Store) Raw(ctx context.Context, devEUI string, afterSeq uint64,
	limit int) ([]store.RawUplink, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	var out []store.RawUplink
	var err error
	if devEUI == "" {
		out, err = s.rawAll(ctx, afterSeq, limit)
	} else {
		out, err = s.rawOfDevice(ctx, devEUI, afterSeq, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("pebblestore: raw: %w", err)
	}
	return out, nil
}

// rawAll reads the log in sequence order.
func (s *Store) rawAll(ctx context.Context, afterSeq uint64,
	limit int) ([]store.RawUplink, error) {
	var out []store.RawUplink
	var derr error
	err := s.raw.Scan(afterSeq, func(rec rawlog.Record) bool {
		if derr = ctx.Err(); derr != nil {
			return false
		}
		var r store.RawUplink
		if r, derr = decodeRaw(rec.Seq, rec.Payload); derr != nil {
			return false
		}
		out = append(out, r)
		return limit <= 0 || len(out) < limit
	})
	if err != nil {
		return nil, err
	}
	return out, derr
}

// rawOfDevice walks one device's index, its blocks and then its pending numbers, and reads
// each uplink it names. A number whose uplink the log does not hold is skipped: after a
// crash of the machine a block can outlive unsynced log records, which were never
// acknowledged to their sender.
func (s *Store) rawOfDevice(ctx context.Context, devEUI string, afterSeq uint64,
	limit int) ([]store.RawUplink, error) {
	if afterSeq == math.MaxUint64 {
		return nil, nil
	}
	afterSeq = max(afterSeq, s.raw.FirstSeq()-1) // what retention deleted is not looked for
	// The iterator and the copy of the pending numbers are taken together, so that none
	// moves from one to the other in between.
	s.archiveMu.Lock()
	it, err := s.db.NewIterWithContext(ctx, devBounds(devEUI))
	pending := slices.Clone(s.dev.pending[devEUI])
	s.archiveMu.Unlock()
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []store.RawUplink
	var rerr error
	take := func(seq uint64) bool {
		if seq <= afterSeq {
			return true
		}
		if rerr = ctx.Err(); rerr != nil {
			return false
		}
		var rec rawlog.Record
		var found bool
		if rec, found, rerr = s.raw.Get(seq); rerr != nil {
			return false
		}
		if !found {
			s.log.Debug("indexed raw uplink not in the log; skipped", "seq", seq)
			return true
		}
		var r store.RawUplink
		if r, rerr = decodeRaw(seq, rec.Payload); rerr != nil {
			return false
		}
		if r.DevEUI != devEUI { // only a damaged index can name another device's uplink
			s.log.Error("device index names another device's raw uplink; skipped", "seq", seq,
				"device", devEUI, "uplink_device", r.DevEUI)
			return true
		}
		out = append(out, r)
		return limit <= 0 || len(out) < limit
	}
	plen := len(devBlockPrefix(devEUI))
	ok := it.SeekLT(devBlockKey(devEUI, afterSeq+1))
	if !ok {
		ok = it.First()
	}
	more := true
	for ; ok && more; ok = it.Next() {
		err := eachSeq(it.Key(), plen, it.Value(), func(seq uint64) bool {
			more = take(seq)
			return more
		})
		if err = errors.Join(err, rerr); err != nil {
			return nil, err
		}
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	for _, seq := range pending {
		if !more {
			break
		}
		more = take(seq)
	}
	return out, rerr
}

// Since returns the non-empty dedup keys of uplinks received at or after t, oldest first.
// It reads the log from the last index entry before t (rawlog.Log.Since), so it trusts the
// reception times to grow with the sequence numbers, which they do: Keep takes them from
// one clock, in order, apart from the small steps back that concurrent receivers make.
func (s *Store) Since(ctx context.Context, t time.Time) ([]string, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	if t.After(maxTime) {
		return nil, nil
	}
	from := int64(math.MinInt64)
	if t.After(minTime) {
		from = t.UnixNano()
	}
	var keys []string
	var derr error
	err := s.raw.Since(from, func(rec rawlog.Record) bool {
		if derr = ctx.Err(); derr != nil {
			return false
		}
		var k string
		if k, derr = rawDedupKey(rec.Seq, rec.Payload); derr != nil {
			return false
		}
		if k != "" {
			keys = append(keys, k)
		}
		return true
	})
	if err = errors.Join(err, derr); err != nil {
		return nil, fmt.Errorf("pebblestore: since: %w", err)
	}
	return keys, nil
}

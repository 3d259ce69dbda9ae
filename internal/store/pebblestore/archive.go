package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/store"
)

// Keep stores raw uplinks with their device and time index entries in one batch and returns
// the last one's sequence number. It commits before returning, so the uplinks are readable
// at once, but syncs to disk only with Options.Sync: Pebble holds unsynced log writes in
// memory, so a caller about to acknowledge an uplink to its sender calls Flush first, which
// syncs everything committed before it (one sync for many Keeps). A zero ReceivedAt is set
// to now.
func (s *Store) Keep(ctx context.Context, rs ...store.RawUplink) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pebblestore: keep: %w", err)
	}

	// Sequence numbers are assigned and committed under one lock, so a reader paging by
	// sequence number never sees a later one before an earlier one.
	s.archiveMu.Lock()
	defer s.archiveMu.Unlock()
	b := s.db.NewBatch()
	defer b.Close()
	seq := s.seq
	for _, r := range rs {
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = time.Now()
		}
		at, err := nanos(r.ReceivedAt)
		if err != nil {
			return 0, fmt.Errorf("pebblestore: keep: receivedAt: %w", err)
		}
		seq++
		_ = b.Set(rawKey(seq), encodeRaw(r, at), nil)
		_ = b.Set(binary.BigEndian.AppendUint64(devicePrefix(r.DevEUI), seq), nil, nil)
		_ = b.Set(rawTimeKey(at, seq), []byte(r.DedupKey), nil)
	}
	if err := b.Commit(s.writeOptions(false)); err != nil {
		return 0, fmt.Errorf("pebblestore: keep: %w", err)
	}
	if !s.opt.Sync {
		s.unsynced.Store(true)
	}
	s.seq = seq
	return seq, nil
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

// rawAll reads the archive in sequence order.
func (s *Store) rawAll(ctx context.Context, afterSeq uint64,
	limit int) ([]store.RawUplink, error) {
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: []byte{prefixRaw}, UpperBound: []byte{prefixRaw + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []store.RawUplink
	for ok := it.SeekGE(append(rawKey(afterSeq), 0)); ok; ok = it.Next() {
		if limit > 0 && len(out) >= limit {
			break
		}
		r, err := decodeRaw(binary.BigEndian.Uint64(it.Key()[1:]), it.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, it.Error()
}

// rawOfDevice walks one device's index and reads each uplink it names.
func (s *Store) rawOfDevice(ctx context.Context, devEUI string, afterSeq uint64,
	limit int) ([]store.RawUplink, error) {
	p := devicePrefix(devEUI)
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: p,
		UpperBound: successor(p)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []store.RawUplink
	start := append(binary.BigEndian.AppendUint64(bytes.Clone(p), afterSeq), 0)
	for ok := it.SeekGE(start); ok; ok = it.Next() {
		if limit > 0 && len(out) >= limit {
			break
		}
		k := it.Key()
		if len(k) != len(p)+8 {
			return nil, fmt.Errorf("device key %x: %w", k, errCorrupt)
		}
		r, err := s.rawAt(binary.BigEndian.Uint64(k[len(p):]))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, it.Error()
}

// rawAt reads one raw uplink by sequence number.
func (s *Store) rawAt(seq uint64) (store.RawUplink, error) {
	v, closer, err := s.db.Get(rawKey(seq))
	if errors.Is(err, pebble.ErrNotFound) {
		return store.RawUplink{}, fmt.Errorf("raw uplink %d indexed but missing: %w", seq,
			errCorrupt)
	}
	if err != nil {
		return store.RawUplink{}, err
	}
	defer closer.Close()
	return decodeRaw(seq, v)
}

// Since returns the non-empty dedup keys of uplinks received at or after t, oldest first,
// from the time index alone.
func (s *Store) Since(ctx context.Context, t time.Time) ([]string, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	lower := []byte{prefixRawTime}
	if t.After(maxTime) {
		return nil, nil
	}
	if t.After(minTime) {
		lower = rawTimeKey(t.UnixNano(), 0)
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower,
		UpperBound: []byte{prefixRawTime + 1}})
	if err != nil {
		return nil, fmt.Errorf("pebblestore: since: %w", err)
	}
	defer it.Close()
	var keys []string
	for ok := it.First(); ok; ok = it.Next() {
		if v := it.Value(); len(v) > 0 {
			keys = append(keys, string(v))
		}
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("pebblestore: since: %w", err)
	}
	return keys, nil
}

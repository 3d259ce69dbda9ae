package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/store/rawlog"
)

// The per-device index of the raw uplinks is kept in blocks, as the series are: one key per
// run of up to maxBlock of a device's sequence numbers, where a key per uplink made the
// index most of the keys the memtable had to place. A block's key is 'u', the DevEUI
// (length prefixed, so that one DevEUI being a prefix of another cannot mix their blocks)
// and its first sequence number; its value is
//
//	count uvarint, per entry: sequence number minus the previous one's uvarint (0 first)
//
// A device's newest sequence numbers wait in memory (devIndex) until there are maxBlock of
// them or the oldest is Options.IndexSpan numbers behind the newest. They need no log of
// their own: the raw log holds each uplink with its DevEUI, and open indexes again what the
// log holds after rawSeqKey (every uplink up to it is in a block) that no block of its
// device holds. rawTopKey is the highest number in any block, so that after a crash of the
// machine that cost the log records a block names, new uplinks are numbered past it.

// rawTopKey holds the highest sequence number in any device block.
var rawTopKey = []byte{prefixMeta, 'r', 'a', 'w', 't', 'o', 'p'}

// devIndex is the part of the device index not yet in blocks. The Store's archiveMu
// guards it.
type devIndex struct {
	pending map[string][]uint64 // per device, ascending
	ages    []devAge            // devices by their oldest pending number; stale ones included
	full    []string            // devices with maxBlock pending or more
	top     uint64              // the highest number in any block
	from    uint64              // rawSeqKey as last written
}

// devAge names the pending numbers of dev that started at first; it is stale once they are
// written.
type devAge struct {
	dev   string
	first uint64
}

func newDevIndex(top, from uint64) devIndex {
	return devIndex{pending: map[string][]uint64{}, top: top, from: from}
}

// add makes seq, the newest number, pending for dev.
func (x *devIndex) add(dev string, seq uint64) {
	p := x.pending[dev]
	if len(p) == 0 {
		x.ages = append(x.ages, devAge{dev: dev, first: seq})
	}
	x.pending[dev] = append(p, seq)
	if len(p)+1 == maxBlock {
		x.full = append(x.full, dev)
	}
}

// live reports whether a still names pending numbers.
func (x *devIndex) live(a devAge) bool {
	p := x.pending[a.dev]
	return len(p) > 0 && p[0] == a.first
}

// devBlockPrefix returns the prefix of one device's index blocks.
func devBlockPrefix(devEUI string) []byte {
	k := make([]byte, 0, 1+binary.MaxVarintLen64+len(devEUI)+8)
	k = append(k, prefixDevBlock)
	k = binary.AppendUvarint(k, uint64(len(devEUI)))
	return append(k, devEUI...)
}

// devBlockKey returns the key of the block of devEUI that starts at first.
func devBlockKey(devEUI string, first uint64) []byte {
	return binary.BigEndian.AppendUint64(devBlockPrefix(devEUI), first)
}

// appendSeqBlock appends the value of a block of ascending sequence numbers to dst.
func appendSeqBlock(dst []byte, seqs []uint64) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(seqs)))
	prev := seqs[0]
	for _, q := range seqs {
		dst = binary.AppendUvarint(dst, q-prev)
		prev = q
	}
	return dst
}

// eachSeq calls fn with the numbers of the block at k, whose device prefix is plen bytes
// long, in order, until fn returns false. It checks each as it goes, and the framing only
// when fn reads to the end.
func eachSeq(k []byte, plen int, v []byte, fn func(uint64) bool) error {
	if len(k) != plen+8 || k[0] != prefixDevBlock {
		return fmt.Errorf("device block key %x: %w", k, errCorrupt)
	}
	q := binary.BigEndian.Uint64(k[plen:])
	n, w := binary.Uvarint(v)
	if w <= 0 || n == 0 || n > uint64(len(v)) {
		return fmt.Errorf("device block %x: bad count: %w", k, errCorrupt)
	}
	v = v[w:]
	for i := range n {
		d, w := binary.Uvarint(v)
		if w <= 0 || (i == 0) != (d == 0) || q+d < q {
			return fmt.Errorf("device block %x: entry %d: %w", k, i, errCorrupt)
		}
		q, v = q+d, v[w:]
		if !fn(q) {
			return nil
		}
	}
	if len(v) != 0 {
		return fmt.Errorf("device block %x: %d bytes after the entries: %w", k, len(v), errCorrupt)
	}
	return nil
}

// devBounds are the iterator options of one device's blocks.
func devBounds(devEUI string) *pebble.IterOptions {
	p := devBlockPrefix(devEUI)
	return &pebble.IterOptions{LowerBound: p, UpperBound: successor(p)}
}

// writeIndex writes the pending numbers of the full devices and of those whose oldest is
// IndexSpan behind last, the newest number, into blocks, with rawSeqKey and rawTopKey, in
// one commit. Most Keeps write nothing. archiveMu is held.
func (s *Store) writeIndex(last uint64) error {
	x := &s.dev
	for len(x.ages) > 0 {
		a := x.ages[0]
		if x.live(a) {
			if a.first+uint64(s.opt.IndexSpan) > last {
				break
			}
			x.full = append(x.full, a.dev)
		}
		x.ages = x.ages[1:]
	}
	if len(x.full) == 0 {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	top := x.top
	for _, dev := range x.full {
		p := x.pending[dev]
		for rest := p; len(rest) > 0; rest = rest[min(len(rest), maxBlock):] {
			part := rest[:min(len(rest), maxBlock)]
			_ = b.Set(devBlockKey(dev, part[0]), appendSeqBlock(nil, part), nil)
		}
		if len(p) > 0 {
			top = max(top, p[len(p)-1])
		}
	}
	// The ages of the devices written here are stale once the commit is done.
	for len(x.ages) > 0 && (!x.live(x.ages[0]) || slices.Contains(x.full, x.ages[0].dev)) {
		x.ages = x.ages[1:]
	}
	from := last
	if len(x.ages) > 0 {
		from = x.ages[0].first - 1
	}
	_ = b.Set(rawSeqKey, binary.BigEndian.AppendUint64(nil, from), nil)
	_ = b.Set(rawTopKey, binary.BigEndian.AppendUint64(nil, top), nil)
	if err := b.Commit(s.writeOptions(false)); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if !s.opt.Sync {
		s.unsynced.Store(true)
	}
	for _, dev := range x.full {
		delete(x.pending, dev)
	}
	x.full, x.top, x.from = x.full[:0], top, from
	return nil
}

// loadArchive finds the archive's last sequence number and makes pending again what the log
// holds after rawSeqKey that no block of its device holds. When a block is ahead of the log
// instead (the log lost unsynced records in a crash of the machine), numbering goes on after
// the block, so that no entry names a new uplink.
func (s *Store) loadArchive() error {
	from, err := s.metaUint(rawSeqKey)
	if err != nil {
		return err
	}
	top, err := s.metaUint(rawTopKey)
	if err != nil {
		return err
	}
	last := s.raw.LastSeq()
	s.seq = max(last, from, top)
	s.dev = newDevIndex(top, from)
	if last <= from {
		return nil
	}
	inBlocks := map[string]uint64{} // each device's last number in a block
	n := 0
	var derr error
	err = s.raw.Scan(from, func(rec rawlog.Record) bool {
		dev, err := decodeRawHeadDev(rec.Seq, rec.Payload)
		if err != nil {
			derr = err
			return false
		}
		top, ok := inBlocks[dev]
		if !ok {
			if top, derr = s.lastDevSeq(dev); derr != nil {
				return false
			}
			inBlocks[dev] = top
		}
		if dev != "" && rec.Seq > top {
			s.dev.add(dev, rec.Seq)
			n++
		}
		return true
	})
	if err = errors.Join(err, derr); err != nil {
		return fmt.Errorf("index the raw log after %d: %w", from, err)
	}
	s.log.Debug("raw uplinks indexed again from the log", "count", n, "after_seq", from)
	return nil
}

// decodeRawHeadDev reads only the DevEUI of what encodeRaw wrote.
func decodeRawHeadDev(seq uint64, b []byte) (string, error) {
	r, _, err := decodeRawHead(seq, b)
	return r.DevEUI, err
}

// lastDevSeq returns the last number in the blocks of devEUI, or 0.
func (s *Store) lastDevSeq(devEUI string) (uint64, error) {
	it, err := s.db.NewIter(devBounds(devEUI))
	if err != nil {
		return 0, err
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	var q uint64
	err = eachSeq(it.Key(), len(devBlockPrefix(devEUI)), it.Value(), func(x uint64) bool {
		q = x
		return true
	})
	return q, err
}

// metaUint reads an 8-byte meta value, 0 when it is missing.
func (s *Store) metaUint(key []byte) (uint64, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %q: %w", key[1:], err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("%q is %x: %w", key[1:], v, errCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

package pebblestore

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble"
)

// A Datastream's series is kept in chunks: one key per run of up to maxChunk Observations
// in series order, where a key per Observation made the series most of the keys the
// memtable had to place and compact. A chunk's key is 's', the Datastream and the series
// position (phenomenonTime, ID) of its first entry; its value is
//
//	count uvarint, last entry's phenomenonTime:8 and ID:8
//	per entry: phenomenonTime minus the previous entry's uvarint (0 for the first),
//	           ID minus the previous entry's zigzag varint (0 for the first),
//	           record length uvarint, record (appendResult)
//
// The chunks of one Datastream never overlap: every entry of a chunk is before the first
// entry of the next, so the chunk that may hold a position is the last one whose key is at
// or before it. The newest Observations of each Datastream wait in its head in memory
// (head.go) until there are enough for a chunk.

// maxChunk bounds the entries of a chunk, and so what a page of Range decodes beyond the
// page: with 128 a page of 100 reads one or two chunks.
const maxChunk = 128

// chunkKeyLen is the length of a chunk key.
const chunkKeyLen = 1 + 8 + 8 + 8

// point is a position in a series: phenomenonTime in Unix nanoseconds, then ID.
type point struct {
	pt int64
	id uint64
}

// compare orders points by time, then ID.
func (p point) compare(q point) int {
	return cmp.Or(cmp.Compare(p.pt, q.pt), cmp.Compare(p.id, q.id))
}

// next returns the point just after p, and false when p is the last point there is.
func (p point) next() (point, bool) {
	switch {
	case p.id < math.MaxUint64:
		return point{p.pt, p.id + 1}, true
	case p.pt < math.MaxInt64:
		return point{p.pt + 1, 0}, true
	}
	return p, false
}

// chunkEntry is one Observation of a series, its result still encoded.
type chunkEntry struct {
	point
	rec []byte
}

// compareEntries orders entries by their points.
func compareEntries(a, b chunkEntry) int { return a.compare(b.point) }

// chunkPrefix returns the prefix of one Datastream's chunks.
func chunkPrefix(ds int64) []byte {
	k := make([]byte, 9, chunkKeyLen+1)
	k[0] = prefixSeries
	putInt64(k[1:], ds)
	return k
}

// chunkKey appends the key of the chunk of ds that starts at p to dst.
func chunkKey(dst []byte, ds int64, p point) []byte {
	var k [chunkKeyLen]byte
	k[0] = prefixSeries
	putInt64(k[1:], ds)
	putInt64(k[9:], p.pt)
	binary.BigEndian.PutUint64(k[17:], p.id)
	return append(dst, k[:]...)
}

// parseChunkKey splits a chunk key.
func parseChunkKey(k []byte) (ds int64, first point, err error) {
	if len(k) != chunkKeyLen || k[0] != prefixSeries {
		return 0, point{}, fmt.Errorf("chunk key %x: bad shape: %w", k, errCorrupt)
	}
	return getInt64(k[1:]), point{getInt64(k[9:]), binary.BigEndian.Uint64(k[17:])}, nil
}

// chunkBounds are the iterator options of one Datastream's chunks.
func chunkBounds(ds int64) *pebble.IterOptions {
	p := chunkPrefix(ds)
	return &pebble.IterOptions{LowerBound: p, UpperBound: successor(p)}
}

// appendChunk appends the value of a chunk of entries, sorted by point, to dst.
func appendChunk(dst []byte, es []chunkEntry) []byte {
	last := es[len(es)-1]
	dst = binary.AppendUvarint(dst, uint64(len(es)))
	var b [16]byte
	putInt64(b[:], last.pt)
	binary.BigEndian.PutUint64(b[8:], last.id)
	dst = append(dst, b[:]...)
	prev := es[0].point
	for _, e := range es {
		dst = binary.AppendUvarint(dst, uint64(e.pt)-uint64(prev.pt))
		dst = binary.AppendVarint(dst, int64(e.id-prev.id))
		dst = binary.AppendUvarint(dst, uint64(len(e.rec)))
		dst = append(dst, e.rec...)
		prev = e.point
	}
	return dst
}

// chunkHead reads a chunk's count and last point, and returns the entries' bytes.
func chunkHead(k, v []byte) (n int, last point, rest []byte, err error) {
	if len(k) != chunkKeyLen || k[0] != prefixSeries {
		return 0, point{}, nil, fmt.Errorf("chunk key %x: bad shape: %w", k, errCorrupt)
	}
	c, w := binary.Uvarint(v)
	if w <= 0 || c == 0 || c > uint64(len(v)) || len(v)-w < 16 {
		return 0, point{}, nil, fmt.Errorf("chunk %x: bad header: %w", k, errCorrupt)
	}
	v = v[w:]
	return int(c), point{getInt64(v), binary.BigEndian.Uint64(v[8:])}, v[16:], nil
}

// eachChunkEntry calls fn with a chunk's entries in series order, their records pointing
// into v, until fn returns false. It checks each entry as it goes, and the whole chunk's
// framing only when fn reads to the end.
func eachChunkEntry(k, v []byte, fn func(chunkEntry) bool) error {
	n, last, rest, err := chunkHead(k, v)
	if err != nil {
		return err
	}
	_, p, _ := parseChunkKey(k)
	for i := range n {
		dt, w := binary.Uvarint(rest)
		if w <= 0 {
			return fmt.Errorf("chunk %x: entry %d: bad time: %w", k, i, errCorrupt)
		}
		rest = rest[w:]
		did, w := binary.Varint(rest)
		if w <= 0 {
			return fmt.Errorf("chunk %x: entry %d: bad id: %w", k, i, errCorrupt)
		}
		rest = rest[w:]
		q := point{int64(uint64(p.pt) + dt), p.id + uint64(did)}
		if i == 0 && (dt != 0 || did != 0) || i > 0 && q.compare(p) <= 0 {
			return fmt.Errorf("chunk %x: entry %d: out of order: %w", k, i, errCorrupt)
		}
		l, w := binary.Uvarint(rest)
		if w <= 0 || l > uint64(len(rest)-w) {
			return fmt.Errorf("chunk %x: entry %d: bad length: %w", k, i, errCorrupt)
		}
		p = q
		if !fn(chunkEntry{point: p, rec: rest[w : w+int(l) : w+int(l)]}) {
			return nil
		}
		rest = rest[w+int(l):]
	}
	if len(rest) != 0 || p != last {
		return fmt.Errorf("chunk %x: framing does not match its header: %w", k, errCorrupt)
	}
	return nil
}

// appendChunkEntries appends a chunk's entries to dst; their records point into v.
func appendChunkEntries(dst []chunkEntry, k, v []byte) ([]chunkEntry, error) {
	err := eachChunkEntry(k, v, func(e chunkEntry) bool {
		dst = append(dst, e)
		return true
	})
	return dst, err
}

// writeChunks writes es, sorted by point and not in any chunk, as new chunks of at most
// maxChunk.
func (w *writer) writeChunks(ds int64, es []chunkEntry) {
	for len(es) > 0 {
		n := min(len(es), maxChunk)
		w.key = chunkKey(w.key[:0], ds, es[0].point)
		w.val = appendChunk(w.val[:0], es[:n])
		_ = w.batch.Set(w.key, w.val, nil) // a Batch.Set error is only for a closed batch
		es = es[n:]
	}
}

// seal writes es, one Datastream's entries sorted by point, into its chunks. Entries after
// the last chunk (the usual case) go into new chunks, and a last chunk under half full is
// rewritten with them, so that a Datastream sealed a few entries at a time still ends up
// in full chunks; an entry before the end of the last chunk is merged into the chunk that
// may hold it, which is rewritten, so that chunks never overlap.
func (w *writer) seal(ds int64, es []chunkEntry) error {
	it, err := w.s.db.NewIter(chunkBounds(ds))
	if err != nil {
		return err
	}
	defer it.Close()
	if !it.Last() {
		if err := it.Error(); err != nil {
			return err
		}
		w.writeChunks(ds, es)
		return nil
	}
	n, last, _, err := chunkHead(it.Key(), it.Value())
	if err != nil {
		return err
	}
	i, _ := slices.BinarySearchFunc(es, last, func(e chunkEntry, p point) int {
		return e.compare(p)
	})
	fresh := es[i:]
	if i == 0 && n < maxChunk/2 {
		old, err := appendChunkEntries(nil, it.Key(), it.Value())
		if err != nil {
			return err
		}
		_ = w.batch.Delete(it.Key(), nil)
		fresh = append(ownChunkEntries(old), fresh...)
	}
	if err := w.fillChunks(it, ds, es[:i]); err != nil {
		return err
	}
	w.writeChunks(ds, fresh)
	return nil
}

// fillChunks merges es, sorted by point and each at or before the end of the last chunk,
// into the chunks that may hold them: the last chunk that starts at or before an entry, or
// the first chunk for an entry before every chunk. A chunk that grows past maxChunk is
// split.
func (w *writer) fillChunks(it *pebble.Iterator, ds int64, es []chunkEntry) error {
	var targets [][]chunkEntry
	var curKey []byte
	for _, e := range es {
		ok := it.SeekLT(append(chunkKey(w.key[:0], ds, e.point), 0))
		if !ok {
			ok = it.First()
		}
		if !ok {
			return fmt.Errorf("chunk for %v: none: %w", e.point, errCorrupt)
		}
		if !slices.Equal(it.Key(), curKey) {
			old, err := appendChunkEntries(nil, it.Key(), it.Value())
			if err != nil {
				return err
			}
			curKey = slices.Clone(it.Key())
			_ = w.batch.Delete(curKey, nil)
			targets = append(targets, ownChunkEntries(old))
		}
		t := &targets[len(targets)-1]
		*t = append(*t, chunkEntry{point: e.point, rec: slices.Clone(e.rec)})
	}
	if err := it.Error(); err != nil {
		return err
	}
	for _, t := range targets {
		slices.SortFunc(t, compareEntries)
		w.writeChunks(ds, slices.CompactFunc(t, func(a, b chunkEntry) bool {
			return a.point == b.point
		}))
	}
	return nil
}

// ownChunkEntries copies es and their records.
func ownChunkEntries(es []chunkEntry) []chunkEntry {
	own := make([]chunkEntry, len(es), len(es)+1)
	for i, e := range es {
		own[i] = chunkEntry{point: e.point, rec: slices.Clone(e.rec)}
	}
	return own
}

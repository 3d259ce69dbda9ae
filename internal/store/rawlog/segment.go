package rawlog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/cockroachdb/pebble/vfs"
)

var le = binary.LittleEndian

// segment is one file of the log. Its fields change only under Log.mu; readers copy a view.
type segment struct {
	first  uint64
	name   string
	f      vfs.File // read handle, and the write handle while the segment is active
	size   int64    // bytes of whole, checked records
	last   uint64   // the last record's sequence number, 0 when empty
	sealed bool

	sparse    []sparseEntry
	sinceRecs int   // records since the last sparse entry
	sinceOff  int64 // offset of the last sparse entry

	// newest is the latest reception time of its records (math.MinInt64 for none), which
	// retention decides by. It is known for a segment written or scanned in this process,
	// and learnt by reading one opened from its index.
	newest      int64
	newestKnown bool
}

// sparseEntry points at one record: where to start reading for a sequence number or time.
type sparseEntry struct {
	seq uint64
	at  int64
	off int64
}

// note adds a record just written or scanned at off to the sparse index.
func (s *segment) note(seq uint64, at int64, off int64) {
	if len(s.sparse) == 0 || s.sinceRecs >= sparseEvery || off-s.sinceOff >= sparseBytes {
		s.sparse = append(s.sparse, sparseEntry{seq: seq, at: at, off: off})
		s.sinceRecs, s.sinceOff = 0, off
	}
	s.sinceRecs++
	s.last = seq
	s.newest = max(s.newest, at)
}

func (l *Log) path(name string) string { return l.fs.PathJoin(l.dir, name) }

// createSegment starts an empty segment whose first record will be first.
func (l *Log) createSegment(first uint64) (*segment, error) {
	name := segmentName(first)
	f, err := l.fs.Create(l.path(name))
	if err != nil {
		return nil, fmt.Errorf("rawlog: create %s: %w", name, err)
	}
	l.needDir = true
	return newSegment(first, f), nil
}

// newSegment is an empty segment, newest time known, to be written or scanned.
func newSegment(first uint64, f vfs.File) *segment {
	return &segment{first: first, name: segmentName(first), f: f, newest: math.MinInt64,
		newestKnown: true}
}

// openSegment opens an existing segment. The last one is scanned to find where its records
// end; when a torn write follows them, it is sealed there and the next append starts a new
// segment. Earlier ones come from their index, or a scan when it is missing or damaged.
func (l *Log) openSegment(first uint64, last bool) (*segment, error) {
	seg := newSegment(first, nil)
	var err error
	if last {
		seg.f, err = l.fs.OpenReadWrite(l.path(seg.name))
	} else {
		seg.f, err = l.fs.Open(l.path(seg.name))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", seg.name, err)
	}
	fi, err := seg.f.Stat()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("stat %s: %w", seg.name, err), seg.f.Close())
	}
	if !last && l.readIndex(seg, fi.Size()) {
		seg.sealed, seg.newestKnown = true, false // learnt when retention needs it
		return seg, nil
	}

	if err := scanSegment(seg, fi.Size()); err != nil {
		return nil, errors.Join(err, seg.f.Close())
	}
	switch {
	case !last:
		l.log.Warn("raw log index missing or damaged; rebuilt from its segment",
			"segment", seg.name)
		err = l.seal(seg)
	case seg.size < fi.Size():
		l.log.Warn("raw log ends in an incomplete record, left from a crash; sealed before it",
			"segment", seg.name, "valid_bytes", seg.size, "file_bytes", fi.Size())
		err = l.seal(seg)
	}
	if err != nil {
		return nil, errors.Join(err, seg.f.Close())
	}
	return seg, nil
}

// scanSegment reads a segment's records from the start, building its sparse index, and
// stops at the first incomplete or damaged one.
func scanSegment(seg *segment, fileSize int64) error {
	r := bufio.NewReaderSize(io.NewSectionReader(seg.f, 0, fileSize), 64<<10)
	var prev uint64
	if seg.first > 0 {
		prev = seg.first - 1
	}
	var payload []byte
	for off := int64(0); ; {
		rec, n, err := readRecord(r, fileSize-off, &payload)
		if errors.Is(err, io.EOF) || errors.Is(err, errCorrupt) || errors.Is(err, errTooLarge) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("scan %s at %d: %w", seg.name, off, err)
		}
		if rec.Seq <= prev {
			return nil // a stale record after a torn write: treat as the end
		}
		seg.note(rec.Seq, rec.At, off)
		prev = rec.Seq
		off += n
		seg.size = off
	}
}

// readRecord reads one record of at most left bytes from r into *buf, returning it and
// its length. io.EOF means r ended cleanly before a record; errCorrupt, that what follows
// is not a whole, intact record.
func readRecord(r io.Reader, left int64, buf *[]byte) (Record, int64, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return Record{}, 0, io.EOF
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, 0, errCorrupt
		}
		return Record{}, 0, err
	}
	n := int64(le.Uint32(h[0:]))
	if n > maxPayload {
		return Record{}, 0, errTooLarge
	}
	if headerLen+n > left {
		return Record{}, 0, errCorrupt
	}
	if int64(cap(*buf)) < n {
		*buf = make([]byte, n)
	}
	p := (*buf)[:n]
	if _, err := io.ReadFull(r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, 0, errCorrupt
		}
		return Record{}, 0, err
	}
	crc := crc32.Update(0, castagnoli, h[8:])
	if crc32.Update(crc, castagnoli, p) != le.Uint32(h[4:]) {
		return Record{}, 0, errCorrupt
	}
	rec := Record{Seq: le.Uint64(h[8:]), At: int64(le.Uint64(h[16:])), Payload: p}
	return rec, headerLen + n, nil
}

// seal syncs a segment and writes its index; the next append starts a new segment.
func (l *Log) seal(seg *segment) error {
	if err := seg.f.Sync(); err != nil {
		return fmt.Errorf("rawlog: sync %s: %w", seg.name, err)
	}
	if err := l.writeIndex(seg); err != nil {
		return err
	}
	seg.sealed = true
	l.needDir = true
	return nil
}

// The index file: magic, the segment's valid size, its last sequence number, the sparse
// entries, and a CRC-32C of everything before it.
var indexMagic = [4]byte{'V', 'R', 'I', '1'}

const indexEntryLen = 24

func (l *Log) writeIndex(seg *segment) error {
	b := make([]byte, 0, 4+8+8+4+len(seg.sparse)*indexEntryLen+4)
	b = append(b, indexMagic[:]...)
	b = le.AppendUint64(b, uint64(seg.size))
	b = le.AppendUint64(b, seg.last)
	b = le.AppendUint32(b, uint32(len(seg.sparse)))
	for _, e := range seg.sparse {
		b = le.AppendUint64(b, e.seq)
		b = le.AppendUint64(b, uint64(e.at))
		b = le.AppendUint64(b, uint64(e.off))
	}
	b = le.AppendUint32(b, crc32.Checksum(b, castagnoli))

	name := indexName(seg.first)
	f, err := l.fs.Create(l.path(name))
	if err != nil {
		return fmt.Errorf("rawlog: create %s: %w", name, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("rawlog: write %s: %w", name, err)
	}
	return nil
}

// readIndex fills seg from its index file and reports whether that worked: false for a
// missing, damaged or implausible index, which the caller rebuilds.
func (l *Log) readIndex(seg *segment, fileSize int64) bool {
	f, err := l.fs.Open(l.path(indexName(seg.first)))
	if err != nil {
		return false
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || len(b) < 4+8+8+4+4 || [4]byte(b[:4]) != indexMagic {
		return false
	}
	body, sum := b[:len(b)-4], le.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return false
	}
	size, last, count := int64(le.Uint64(body[4:])), le.Uint64(body[12:]), le.Uint32(body[20:])
	entries := body[24:]
	if size > fileSize || uint64(len(entries)) != uint64(count)*indexEntryLen {
		return false
	}
	sparse := make([]sparseEntry, count)
	for i := range sparse {
		e := entries[i*indexEntryLen:]
		sparse[i] = sparseEntry{seq: le.Uint64(e), at: int64(le.Uint64(e[8:])),
			off: int64(le.Uint64(e[16:]))}
	}
	seg.size, seg.last, seg.sparse = size, last, sparse
	return true
}

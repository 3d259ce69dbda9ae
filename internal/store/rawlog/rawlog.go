// Package rawlog is an append-only log of records numbered by increasing sequence numbers,
// kept in segment files, for the raw uplink archive: written once, read in order or by
// number, never changed. It costs a copy and a share of one write per record, where an LSM
// tree would also compress each envelope and rewrite it at every compaction.
//
// # Files
//
// A log is a directory of segments named by their first sequence number, 20 decimal digits
// and ".seg". A segment is a run of records:
//
//	length:4   payload bytes, little-endian
//	crc:4      CRC-32C (Castagnoli) of seq, at and payload
//	seq:8      sequence number, little-endian
//	at:8       a time in Unix nanoseconds, little-endian (the reception time)
//	payload
//
// When a segment is sealed (it reached SegmentSize, or it ended in a torn write after a
// crash) its sparse index is written beside it as ".idx", so that opening a large log reads
// only the last segment. A missing or damaged index is rebuilt from its segment.
//
// # Durability
//
// Append writes to the file but does not sync; Sync makes every record appended before it
// durable. After a crash the last segment is read up to its first incomplete or damaged
// record; what follows is ignored and new records go to a new segment.
package rawlog

import (
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/vfs"
)

// Record is one entry of the log.
type Record struct {
	Seq     uint64
	At      int64 // Unix nanoseconds
	Payload []byte
}

const (
	headerLen = 4 + 4 + 8 + 8
	// maxPayload bounds one record: the largest MQTT packet (MQTT 3.1.1 §2.2.3, 256 MiB), so
	// that any envelope a broker delivers can be kept. A length above it in a file is damage;
	// a length beyond the file's end too, so a damaged length never makes a large allocation.
	maxPayload = 256 << 20
	// sparseEvery and sparseBytes set the density of the in-memory index: an entry at least
	// every this many records or bytes, which bounds what Get reads before it finds a record.
	sparseEvery = 32
	sparseBytes = 32 << 10
)

// DefaultSegmentSize is the size at which a segment is sealed and a new one begun.
const DefaultSegmentSize = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors a caller may branch on.
var (
	ErrClosed   = errors.New("rawlog: closed")
	ErrOrder    = errors.New("rawlog: sequence numbers must increase")
	errCorrupt  = errors.New("damaged record")
	errTooLarge = errors.New("record too large")
)

// Log is an open log. It is safe for concurrent use: appends are serialised, reads run
// beside them on the records already appended.
type Log struct {
	fs      vfs.FS
	dir     string
	log     *slog.Logger
	segSize int64

	mu       sync.RWMutex
	segs     []*segment // oldest first; the last one is active unless sealed
	lastSeq  uint64
	dirty    bool  // appended since the last Sync
	failed   error // the first failed write; sticky
	closed   bool
	scratch  []byte
	syncMu   sync.Mutex   // one Sync at a time
	dropMu   sync.RWMutex // held by readers while they read, by DropBefore while it deletes
	retainMu sync.Mutex   // one DropBefore at a time
	needDir  bool         // a file was created since the directory was last synced
}

// Options tune a Log; zero fields take the defaults.
type Options struct {
	SegmentSize int64
}

// Open opens, or creates, the log in dir on fs (vfs.Default for the real disk).
func Open(fs vfs.FS, dir string, opt Options, log *slog.Logger) (*Log, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = DefaultSegmentSize
	}
	l := &Log{fs: fs, dir: dir, log: log, segSize: opt.SegmentSize}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rawlog: create %s: %w", dir, err)
	}
	if err := syncDir(fs, fs.PathDir(dir)); err != nil {
		return nil, fmt.Errorf("rawlog: %w", err)
	}
	if err := l.load(); err != nil {
		return nil, errors.Join(fmt.Errorf("rawlog: open %s: %w", dir, err), l.closeFiles())
	}
	return l, nil
}

// load finds the segments, reads the sealed ones' indexes and scans the last.
func (l *Log) load() error {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return err
	}
	var firsts []uint64
	for _, n := range names {
		if first, ok := parseSegmentName(n); ok {
			firsts = append(firsts, first)
		}
	}
	slices.Sort(firsts)
	for i, first := range firsts {
		seg, err := l.openSegment(first, i == len(firsts)-1)
		if err != nil {
			return err
		}
		l.segs = append(l.segs, seg)
		// A segment's name is its first number: numbers below it were given out, even
		// when retention deleted the segments that held them and a crash the records
		// after them.
		l.lastSeq = max(l.lastSeq, seg.last, first-min(first, 1))
	}
	return nil
}

// LastSeq returns the highest sequence number in the log, or 0 when it is empty.
func (l *Log) LastSeq() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.lastSeq
}

// Append writes records, whose sequence numbers must increase and be above LastSeq, in one
// write. They are readable when it returns and durable after the next Sync.
func (l *Log) Append(recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.failed != nil {
		return l.failed
	}
	prev := l.lastSeq
	for _, r := range recs {
		if r.Seq <= prev {
			return fmt.Errorf("%w: %d after %d", ErrOrder, r.Seq, prev)
		}
		if len(r.Payload) > maxPayload {
			return fmt.Errorf("rawlog: record %d: %w (%d bytes)", r.Seq, errTooLarge, len(r.Payload))
		}
		prev = r.Seq
	}

	seg, err := l.activeFor(recs[0].Seq)
	if err != nil {
		return l.fail(err)
	}
	buf := l.scratch[:0]
	for _, r := range recs {
		buf = appendRecord(buf, r)
	}
	l.scratch = buf
	if _, err := seg.f.WriteAt(buf, seg.size); err != nil {
		return l.fail(fmt.Errorf("rawlog: write %s: %w", seg.name, err))
	}
	off := seg.size
	for _, r := range recs {
		seg.note(r.Seq, r.At, off)
		off += int64(headerLen + len(r.Payload))
	}
	seg.size = off
	l.lastSeq = prev
	l.dirty = true
	return nil
}

// Err returns the failure that stopped the log taking records, or nil.
func (l *Log) Err() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.failed
}

// fail makes err sticky: after a failed write the file's end is unknown.
func (l *Log) fail(err error) error {
	l.failed = err
	l.log.Error("raw log write failed; the log accepts no more records", "err", err)
	return err
}

// activeFor returns the segment to append to, sealing the active one when it is full and
// starting a new one named first.
func (l *Log) activeFor(first uint64) (*segment, error) {
	if n := len(l.segs); n > 0 {
		seg := l.segs[n-1]
		if !seg.sealed && seg.size < l.segSize {
			return seg, nil
		}
		if seg.sealed && len(seg.sparse) == 0 {
			// Sealed empty, after a torn first record: its file would be the new one's
			// name too, so it goes first.
			if err := l.removeEmpty(seg); err != nil {
				return nil, err
			}
			return l.activeFor(first)
		}
		if !seg.sealed {
			if err := l.seal(seg); err != nil {
				return nil, err
			}
		}
	}
	seg, err := l.createSegment(first)
	if err != nil {
		return nil, err
	}
	l.segs = append(l.segs, seg)
	return seg, nil
}

// removeEmpty deletes the last segment, sealed and without records, and its files. mu is
// held; no reader reads a segment of size 0.
func (l *Log) removeEmpty(seg *segment) error {
	l.segs = l.segs[:len(l.segs)-1]
	err := errors.Join(seg.f.Close(), l.remove(indexName(seg.first)), l.remove(seg.name))
	seg.f = nil
	l.needDir = true
	if err != nil {
		return l.fail(fmt.Errorf("rawlog: remove empty segment: %w", err))
	}
	return nil
}

// Sync makes every record appended before the call durable.
func (l *Log) Sync() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if l.failed != nil {
		l.mu.Unlock()
		return l.failed
	}
	if !l.dirty && !l.needDir {
		l.mu.Unlock()
		return nil
	}
	var f vfs.File
	if n := len(l.segs); n > 0 && !l.segs[n-1].sealed {
		f = l.segs[n-1].f
	}
	needDir := l.needDir
	l.dirty, l.needDir = false, false
	l.mu.Unlock()

	// Outside the lock, so that appends go on during the sync. A segment sealed meanwhile
	// was synced by seal, and f stays open until Close, which takes syncMu. fdatasync
	// suffices: it writes the size an append changed, and skips only the times, which
	// nothing reads; on the 2-core test VM it costs two thirds of an fsync's CPU.
	if f != nil {
		if err := f.SyncData(); err != nil {
			return l.syncFailed(fmt.Errorf("rawlog: sync: %w", err))
		}
	}
	if needDir {
		if err := syncDir(l.fs, l.dir); err != nil {
			return l.syncFailed(err)
		}
	}
	return nil
}

// syncFailed records a failed sync under the lock: what was written may not be on disk, so
// nothing more is accepted.
func (l *Log) syncFailed(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == nil {
		l.failed = err
	}
	return err
}

// Close syncs and closes the log. A second Close does nothing.
func (l *Log) Close() error {
	syncErr := l.Sync()
	if errors.Is(syncErr, ErrClosed) {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return errors.Join(syncErr, l.closeFiles())
}

func (l *Log) closeFiles() error {
	var errs []error
	for _, s := range l.segs {
		if s.f != nil {
			errs = append(errs, s.f.Close())
			s.f = nil
		}
	}
	return errors.Join(errs...)
}

// appendRecord appends r's framing and payload to b.
func appendRecord(b []byte, r Record) []byte {
	start := len(b)
	b = append(b, make([]byte, headerLen)...)
	le.PutUint32(b[start:], uint32(len(r.Payload)))
	le.PutUint64(b[start+8:], r.Seq)
	le.PutUint64(b[start+16:], uint64(r.At))
	b = append(b, r.Payload...)
	crc := crc32.Update(0, castagnoli, b[start+8:])
	le.PutUint32(b[start+4:], crc)
	return b
}

// segmentName is the file name of the segment whose first record is first.
func segmentName(first uint64) string { return fmt.Sprintf("%020d.seg", first) }

func indexName(first uint64) string { return fmt.Sprintf("%020d.idx", first) }

func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, ".seg")
	if !ok || len(digits) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// syncDir syncs a directory so that files created in it survive a crash.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("open dir %q: %w", dir, err)
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

package rawlog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/cockroachdb/pebble/vfs"
)

// view is what a reader needs of a segment, copied under the lock: records appended later
// lie beyond size and are not seen.
type view struct {
	name   string
	f      vfs.File
	first  uint64
	size   int64
	sparse []sparseEntry
}

// snapshot copies the segments' views.
func (l *Log) snapshot() ([]view, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	vs := make([]view, len(l.segs))
	for i, s := range l.segs {
		vs[i] = view{name: s.name, f: s.f, first: s.first, size: s.size, sparse: s.sparse}
	}
	return vs, nil
}

// Scan calls fn with every record after afterSeq, in order, until fn returns false. The
// record's Payload is valid only during the call; fn must not call the log.
func (l *Log) Scan(afterSeq uint64, fn func(Record) bool) error {
	l.dropMu.RLock() // no segment is deleted under a reader
	defer l.dropMu.RUnlock()
	return l.scan(afterSeq, fn)
}

func (l *Log) scan(afterSeq uint64, fn func(Record) bool) error {
	vs, err := l.snapshot()
	if err != nil {
		return err
	}
	seg, off := seekSeq(vs, afterSeq+1)
	return readFrom(vs, seg, off, func(r Record) bool {
		return r.Seq <= afterSeq || fn(r)
	})
}

// Get returns the record numbered seq, with its own copy of the payload, and whether it
// exists.
func (l *Log) Get(seq uint64) (Record, bool, error) {
	if seq == 0 {
		return Record{}, false, nil
	}
	l.dropMu.RLock()
	defer l.dropMu.RUnlock()
	var found Record
	ok := false
	err := l.scan(seq-1, func(r Record) bool {
		if r.Seq == seq {
			found, ok = r, true
			found.Payload = append([]byte(nil), r.Payload...)
		}
		return false
	})
	return found, ok, err
}

// Since calls fn with every record whose At is at or after t, in sequence order, until fn
// returns false. It starts reading at the latest index entry older than t, so it reads
// little of a long log, and assumes that times grow with sequence numbers, apart from
// small steps back within the stretch between two index entries; records before a larger
// step back are missed. fn must not call the log.
func (l *Log) Since(t int64, fn func(Record) bool) error {
	l.dropMu.RLock()
	defer l.dropMu.RUnlock()
	vs, err := l.snapshot()
	if err != nil {
		return err
	}
	seg, off := seekTime(vs, t)
	return readFrom(vs, seg, off, func(r Record) bool {
		return r.At < t || fn(r)
	})
}

// seekSeq returns where to start reading for the first record numbered seq or more: the
// segment and the offset of the last index entry at or before it.
func seekSeq(vs []view, seq uint64) (int, int64) {
	i := sort.Search(len(vs), func(i int) bool { return vs[i].first > seq }) - 1
	if i < 0 {
		return 0, 0
	}
	sp := vs[i].sparse
	j := sort.Search(len(sp), func(j int) bool { return sp[j].seq > seq }) - 1
	if j < 0 {
		return i, 0
	}
	return i, sp[j].off
}

// seekTime returns where to start reading for records at or after t: the latest index
// entry older than t, or the start of the log.
func seekTime(vs []view, t int64) (int, int64) {
	for i := len(vs) - 1; i >= 0; i-- {
		sp := vs[i].sparse
		for j := len(sp) - 1; j >= 0; j-- {
			if sp[j].at < t {
				return i, sp[j].off
			}
		}
	}
	return 0, 0
}

// readFrom reads records from offset off of segment seg onwards, across later segments,
// until fn returns false or the views end.
func readFrom(vs []view, seg int, off int64, fn func(Record) bool) error {
	var buf []byte
	for i := seg; i < len(vs); i++ {
		v := vs[i]
		if i > seg {
			off = 0
		}
		if off >= v.size {
			continue
		}
		r := bufio.NewReaderSize(io.NewSectionReader(v.f, off, v.size-off), 32<<10)
		for left := v.size - off; left > 0; {
			rec, n, err := readRecord(r, left, &buf)
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, errCorrupt) || errors.Is(err, errTooLarge) {
					err = errCorrupt // within size every record was checked when written
				}
				return fmt.Errorf("rawlog: read %s at %d: %w", v.name, v.size-left, err)
			}
			if !fn(rec) {
				return nil
			}
			left -= n
		}
	}
	return nil
}

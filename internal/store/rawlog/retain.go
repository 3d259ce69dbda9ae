package rawlog

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
)

// DropBefore deletes the oldest sealed segments whose records all came before t (Unix
// nanoseconds), for a retention limit: it stops at the first segment holding a record at
// or after t, whatever the clock did, and never deletes the active segment. It returns how
// many segments went. Readers already reading finish first; Scan and Since after it start
// at the first record kept.
func (l *Log) DropBefore(t int64) (int, error) {
	// learnNewest reads outside dropMu's write lock: no other DropBefore may drop meanwhile.
	l.retainMu.Lock()
	defer l.retainMu.Unlock()
	if err := l.learnNewest(t); err != nil {
		return 0, err
	}

	// dropMu: no reader holds the files; syncMu: no Sync holds one it took before a seal.
	l.dropMu.Lock()
	defer l.dropMu.Unlock()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	n := l.droppable(t)
	gone := l.segs[:n:n]
	l.segs = slices.Clone(l.segs[n:]) // not holding on to the dropped ones
	l.mu.Unlock()
	if n == 0 {
		return 0, nil
	}

	// Outside mu, so appends go on. The index goes first: a crash between the two leaves a
	// segment that open scans again and the next DropBefore deletes, not an index without
	// its segment.
	var errs []error
	for _, seg := range gone {
		errs = append(errs, seg.f.Close())
		seg.f = nil
		errs = append(errs, l.remove(indexName(seg.first)), l.remove(seg.name))
	}
	errs = append(errs, syncDir(l.fs, l.dir))
	if err := errors.Join(errs...); err != nil {
		return n, fmt.Errorf("rawlog: drop %d segments: %w", n, err)
	}
	l.log.Info("raw log segments past retention deleted", "segments", n,
		"first_kept", l.FirstSeq())
	return n, nil
}

// droppable returns how many of the oldest segments DropBefore(t) deletes: each sealed,
// not the last, its newest record known and before t. mu is held.
func (l *Log) droppable(t int64) int {
	n := 0
	for n+1 < len(l.segs) {
		seg := l.segs[n]
		if !seg.sealed || !seg.newestKnown || seg.newest >= t {
			break
		}
		n++
	}
	return n
}

// learnNewest learns the newest reception time of the oldest sealed segments, reading those
// opened from their index, until it meets one with a record at or after t: DropBefore
// decides by them and stops there. A segment is read at most once per open; readers go on
// meanwhile.
func (l *Log) learnNewest(t int64) error {
	l.dropMu.RLock() // the files stay open while they are read
	defer l.dropMu.RUnlock()
	for i := 0; ; i++ {
		l.mu.RLock()
		if l.closed {
			l.mu.RUnlock()
			return ErrClosed
		}
		if i+1 >= len(l.segs) || !l.segs[i].sealed {
			l.mu.RUnlock()
			return nil
		}
		if seg := l.segs[i]; seg.newestKnown {
			l.mu.RUnlock()
			if seg.newest >= t {
				return nil
			}
			continue
		}
		seg := l.segs[i]
		v := view{name: seg.name, f: seg.f, first: seg.first, size: seg.size}
		l.mu.RUnlock()

		newest := int64(math.MinInt64)
		err := readFrom([]view{v}, 0, 0, func(r Record) bool {
			newest = max(newest, r.At)
			return true
		})
		if err != nil {
			return err
		}
		l.mu.Lock()
		seg.newest, seg.newestKnown = newest, true
		l.mu.Unlock()
		if newest >= t {
			return nil
		}
	}
}

func (l *Log) remove(name string) error {
	err := l.fs.Remove(l.path(name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

// FirstSeq returns the lowest sequence number the log can still hold: the first of its
// oldest segment, or LastSeq+1 when it has none.
func (l *Log) FirstSeq() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if len(l.segs) == 0 {
		return l.lastSeq + 1
	}
	return l.segs[0].first
}

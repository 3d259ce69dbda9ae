package rawlog

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// DropBefore deletes the oldest sealed segments whose records all came before t (Unix
// nanoseconds), for a retention limit. A segment goes once the segment after it begins
// before t: reception times grow with sequence numbers, so no record at or after t goes,
// and the active segment always stays. It returns how many segments went. Readers already
// reading finish first; Scan and Since after it start at the first record kept.
func (l *Log) DropBefore(t int64) (int, error) {
	l.dropMu.Lock()
	defer l.dropMu.Unlock()
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

	// Outside mu, so appends go on; under dropMu, so no reader holds these files. The
	// index goes first: a crash between the two leaves a segment that open scans again, and
	// the next DropBefore deletes, not an index without its segment.
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

// droppable returns how many of the oldest segments DropBefore(t) deletes: each one sealed,
// with a later segment holding records whose first came before t. A segment left empty by
// a torn first record neither holds nor stops the drop. mu is held.
func (l *Log) droppable(t int64) int {
	n := 0
	for ; n+1 < len(l.segs) && l.segs[n].sealed; n++ {
		later := l.segs[n+1:]
		i := slices.IndexFunc(later, func(s *segment) bool { return len(s.sparse) > 0 })
		if i < 0 || later[i].sparse[0].at >= t { // the first record always has an entry
			break
		}
	}
	return n
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

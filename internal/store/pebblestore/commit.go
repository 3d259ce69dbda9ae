package pebblestore

import (
	"fmt"

	"github.com/cockroachdb/pebble"
)

// commit writes the batch and then publishes it to the in-memory state. With sync it also
// syncs the log when an earlier commit did not, which is what makes Flush durable. It
// returns the sticky failure, if any.
func (w *writer) commit(sync bool) error {
	if err := w.failure(); err != nil {
		w.reset()
		return err
	}
	if len(w.staged) == 0 {
		return w.syncIfNeeded(sync)
	}

	if err := w.stage(); err != nil {
		w.fail(fmt.Errorf("pebblestore: commit %d observations: %w", len(w.staged), err))
		w.reset()
		return w.failure()
	}

	synced := sync || w.s.opt.Sync
	if synced {
		// Cleared before the commit: a concurrent unsynced commit sets it again after.
		w.s.unsynced.Store(false)
	}
	if err := w.batch.Commit(w.s.writeOptions(sync)); err != nil {
		w.fail(fmt.Errorf("pebblestore: commit %d observations: %w", len(w.staged), err))
		w.reset()
		return w.failure()
	}
	if !synced {
		w.s.unsynced.Store(true)
	}
	w.publish()
	w.committed = w.maxID
	w.reset()
	return nil
}

// syncIfNeeded syncs the log when asked to and a commit since the last sync did not.
func (w *writer) syncIfNeeded(sync bool) error {
	if !sync || !w.s.unsynced.Swap(false) {
		return nil
	}
	// LogData with Sync writes an empty record and syncs the log, and with it every commit
	// before it.
	if err := w.s.db.LogData(nil, pebble.Sync); err != nil {
		w.s.unsynced.Store(true)
		return fmt.Errorf("pebblestore: sync: %w", err)
	}
	return nil
}

// publish makes a committed batch visible to Count, Latest and LastID, and moves its
// Observations into their heads or out of the heads it sealed.
func (w *writer) publish() {
	st := &w.s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	for ds, d := range w.delta {
		st.counts[ds] += d
	}
	for ds, o := range w.latest {
		if l, ok := st.latest[ds]; !ok || newer(o, l) {
			st.latest[ds] = o
		}
	}
	st.lastID = max(st.lastID, w.maxID)
	for _, ds := range w.sealed {
		delete(st.heads, ds)
	}
	for ds, g := range w.grow {
		h := st.heads[ds]
		if h == nil {
			h = newHead(g.run)
			st.heads[ds] = h
		}
		h.add(g.run)
	}
}

// reset starts a new batch. A committed batch is closed rather than Reset: Pebble may still
// hold a large one as a memtable.
func (w *writer) reset() {
	_ = w.batch.Close()
	w.batch = w.s.db.NewBatch()
	clear(w.staged)
	w.staged = w.staged[:0]
	w.seen = nil
	clear(w.delta)
	clear(w.latest)
	clear(w.grow)
	w.sealed = w.sealed[:0]
}

// fail records the first commit failure; later Appends and Flushes return it.
func (w *writer) fail(err error) {
	w.s.log.Error("commit failed; the store accepts no more writes", "err", err)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// failure returns the sticky commit failure, or nil.
func (w *writer) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// wait blocks until the writer has stopped and returns its failure, if any.
func (w *writer) wait() error {
	<-w.done
	return w.failure()
}

package pebblestore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/model"
)

// request is one Append, or a Flush marker when flush is set.
type request struct {
	obs   []model.Observation
	flush chan error
}

// Append validates obs, copies them and queues them for the writer. It blocks while the queue
// is full, until ctx ends. An Observation whose ID is stored already is skipped by the
// writer. After a commit has failed, Append returns that failure.
func (s *Store) Append(ctx context.Context, obs []model.Observation) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	if err := s.writer.failure(); err != nil {
		return err
	}
	if len(obs) == 0 {
		return nil
	}
	for _, o := range obs {
		if err := validate(o); err != nil {
			return fmt.Errorf("pebblestore: append observation %d: %w", o.ID, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pebblestore: append: %w", err)
	}
	return s.enqueue(ctx, request{obs: slices.Clone(obs)})
}

// validate rejects what the key layout cannot hold.
func validate(o model.Observation) error {
	if _, err := nanos(o.PhenomenonTime); err != nil {
		return fmt.Errorf("phenomenonTime: %w", err)
	}
	if o.Result.Kind > model.KindBool {
		return fmt.Errorf("result kind %d: unknown", o.Result.Kind)
	}
	if o.ResultTime.IsZero() {
		return nil
	}
	if _, err := nanos(o.ResultTime); err != nil {
		return fmt.Errorf("resultTime: %w", err)
	}
	return nil
}

// enqueue hands r to the writer; the caller holds life for reading, so reqs is open.
func (s *Store) enqueue(ctx context.Context, r request) error {
	select {
	case s.reqs <- r:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pebblestore: queue: %w", ctx.Err())
	}
}

// Flush waits until everything appended and kept before it is committed and synced: the
// Observations and device index in the database, the raw uplinks in their log.
func (s *Store) Flush(ctx context.Context) error {
	done := make(chan error, 1)
	if err := s.enter(); err != nil {
		return err
	}
	err := s.enqueue(ctx, request{flush: done})
	s.life.RUnlock()
	if err != nil {
		return err
	}
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("pebblestore: flush: %w", ctx.Err())
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	if err := s.raw.Sync(); err != nil {
		return fmt.Errorf("pebblestore: flush: %w", err)
	}
	return nil
}

// writer is the one goroutine that writes Observations. It owns the batch and the fields
// below; it shares only the store's state (under state.mu) and its failure (under mu).
type writer struct {
	s    *Store
	done chan struct{}

	mu  sync.Mutex
	err error // the first commit that failed; sticky

	batch     *pebble.Batch
	seen      map[uint64]struct{}         // staged IDs as a set, built when first needed
	delta     map[int64]int64             // new Observations per Datastream
	latest    map[int64]model.Observation // newest in batch per Datastream
	maxID     uint64                      // the highest ID committed or in batch
	staged    []staged                    // in batch, keys not yet written
	committed uint64                      // the highest ID committed
	order     []int32                     // stage's scratch
	recs      []byte                      // stage's scratch
	ends      []int                       // stage's scratch
	entries   []idEntry                   // stage's scratch
	key, val  []byte                      // scratch
}

func newWriter(s *Store) *writer {
	return &writer{
		s: s, done: make(chan struct{}), batch: s.db.NewBatch(),
		delta: map[int64]int64{}, latest: map[int64]model.Observation{},
		maxID: s.state.lastID, committed: s.state.lastID,
	}
}

// run takes requests until the queue is closed, committing when a batch is full, when the
// oldest Observation in it has waited FlushInterval, on Flush and at the end.
func (w *writer) run() {
	defer close(w.done)
	defer func() { _ = w.batch.Close() }()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case r, ok := <-w.s.reqs:
			if !ok {
				_ = w.commit(true)
				return
			}
			if r.flush != nil {
				timer.Stop()
				r.flush <- w.commit(true)
				continue
			}
			wasEmpty := len(w.staged) == 0
			w.addAll(r.obs)
			if len(w.staged) == 0 {
				timer.Stop()
			} else if wasEmpty {
				timer.Reset(w.s.opt.FlushInterval)
			}
		case <-timer.C:
			_ = w.commit(false)
		}
	}
}

// addAll adds obs to the batch, committing each time it reaches BatchSize.
func (w *writer) addAll(obs []model.Observation) {
	for _, o := range obs {
		w.add(o)
		if len(w.staged) >= w.s.opt.BatchSize {
			_ = w.commit(false)
		}
	}
}

// add stages o for the batch, unless its ID is stored already. Its keys are written at
// commit, in key order (stage).
func (w *writer) add(o model.Observation) {
	if o.ID <= w.maxID && w.stored(o.ID) {
		w.s.log.Debug("observation stored already; skipped", "id", o.ID,
			"datastream", o.DatastreamID)
		return
	}
	pt, _ := nanos(o.PhenomenonTime) // Append validated the times
	o.PhenomenonTime = fromNanos(pt)
	if !o.ResultTime.IsZero() {
		o.ResultTime = o.ResultTime.UTC()
	}
	w.staged = append(w.staged, staged{o: o, pt: pt})

	if w.seen != nil {
		w.seen[o.ID] = struct{}{}
	}
	w.delta[o.DatastreamID]++
	if l, ok := w.latest[o.DatastreamID]; !ok || newer(o, l) {
		w.latest[o.DatastreamID] = o
	}
	w.maxID = max(w.maxID, o.ID)
}

// staged is an Observation waiting for commit, with its phenomenonTime in nanoseconds.
type staged struct {
	o  model.Observation
	pt int64
}

// stage writes the staged Observations' keys into the batch: the by-ID index in ID order,
// then the series keys in series order. A memtable inserts a key next to the one before it
// almost for free, where keys in arrival order, alternating between Datastreams, each cost
// a search of the whole skiplist.
func (w *writer) stage() error {
	st := w.staged
	order := w.order[:0]
	for i := range st {
		order = append(order, int32(i))
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(st[a].o.ID, st[b].o.ID) })
	recs, ends := w.recs[:0], w.ends[:0]
	for _, i := range order {
		var err error
		if recs, err = appendIDRecord(recs, st[i].o, st[i].pt); err != nil {
			return fmt.Errorf("encode observation %d: %w", st[i].o.ID, err)
		}
		ends = append(ends, len(recs))
	}
	entries, start := w.entries[:0], 0
	for j, i := range order {
		entries = append(entries, idEntry{id: st[i].o.ID, rec: recs[start:ends[j]]})
		start = ends[j]
	}
	if err := w.writeBlocks(entries, w.committed); err != nil {
		return err
	}

	slices.SortFunc(order, func(a, b int32) int {
		x, y := &st[a], &st[b]
		return cmp.Or(cmp.Compare(x.o.DatastreamID, y.o.DatastreamID), cmp.Compare(x.pt, y.pt),
			cmp.Compare(x.o.ID, y.o.ID))
	})
	for _, i := range order {
		var err error
		w.key = obsKey(w.key[:0], st[i].o.DatastreamID, st[i].pt, st[i].o.ID)
		if w.val, err = appendResult(w.val[:0], st[i].o); err != nil {
			return fmt.Errorf("encode observation %d: %w", st[i].o.ID, err)
		}
		_ = w.batch.Set(w.key, w.val, nil) // a Batch.Set error is only for a closed batch
	}
	w.order, w.recs, w.ends, w.entries = order, recs, ends, entries
	return nil
}

// newer reports whether a is later than b in its series: by phenomenonTime, then ID.
func newer(a, b model.Observation) bool {
	if c := a.PhenomenonTime.Compare(b.PhenomenonTime); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

// stored reports whether id is in the batch or in the database. It runs only for IDs that
// are not above every ID seen, which in-order appends never are.
func (w *writer) stored(id uint64) bool {
	if w.seen == nil {
		w.seen = make(map[uint64]struct{}, len(w.staged))
		for _, st := range w.staged {
			w.seen[st.o.ID] = struct{}{}
		}
	}
	if _, ok := w.seen[id]; ok {
		return true
	}
	_, ok, err := w.s.lookup(id)
	if err != nil {
		w.s.log.Error("duplicate check", "id", id, "err", err)
	}
	return ok
}

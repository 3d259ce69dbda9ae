package pebblestore

import (
	"cmp"
	"context"
	"encoding/binary"
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

// Append validates obs and queues them for the writer, which reads them before the next
// Flush returns. It blocks while the queue is full, until ctx ends. An Observation whose ID
// is stored already is skipped by the writer. After a commit has failed, Append returns that
// failure.
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
	return s.enqueue(ctx, request{obs: obs})
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
	srecs     []byte                      // stageSeries' scratch
	sents     []chunkEntry                // stageSeries' scratch
	key, val  []byte                      // scratch

	marks  map[int64]mark   // sealed marks: what of a Datastream is in chunks
	ages   []headAge        // heads by lowest ID, oldest first; stale ones included
	grow   map[int64]growth // in batch: entries that join their heads at publish
	sealed []int64          // in batch: Datastreams whose heads are sealed
	from   uint64           // the head start last written under headFromKey
}

func newWriter(s *Store, marks map[int64]mark) *writer {
	return &writer{
		s: s, done: make(chan struct{}), batch: s.db.NewBatch(),
		delta: map[int64]int64{}, latest: map[int64]model.Observation{},
		maxID: s.state.lastID, committed: s.state.lastID,
		marks: marks, ages: agesOf(s.state.heads), grow: map[int64]growth{}, from: ^uint64(0),
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
	w.order, w.recs, w.ends, w.entries = order, recs, ends, entries
	return w.stageSeries(order)
}

// stageSeries adds the staged Observations, in series order, to their Datastreams' heads,
// or seals a head into chunks when it is full, when an Observation arrives at or below its
// sealed mark, or when its oldest is Options.HeadSpan IDs behind the newest; then writes
// the lowest ID left in any head. The heads themselves change in publish, after the commit.
func (w *writer) stageSeries(order []int32) error {
	st := w.staged
	recs, ends := w.srecs[:0], w.ends[:0]
	for _, i := range order {
		var err error
		if recs, err = appendResult(recs, st[i].o); err != nil {
			return fmt.Errorf("encode observation %d: %w", st[i].o.ID, err)
		}
		ends = append(ends, len(recs))
	}
	es, start := w.sents[:0], 0
	for j, i := range order {
		es = append(es, chunkEntry{point: point{st[i].pt, st[i].o.ID}, rec: recs[start:ends[j]]})
		start = ends[j]
	}
	w.srecs, w.ends, w.sents = recs, ends, es

	heads := w.s.state.heads // only this goroutine changes them
	for a := 0; a < len(es); {
		ds := st[order[a]].o.DatastreamID
		b, low := a, es[a].id
		for ; b < len(es) && st[order[b]].o.DatastreamID == ds; b++ {
			low = min(low, es[b].id)
		}
		run := es[a:b:b]
		a = b
		h := heads[ds]
		if h.size()+len(run) < maxChunk && low > w.marks[ds].id {
			w.grow[ds] = growth{run: run, low: low}
			if h == nil || low < h.minID {
				w.pushAge(headAge{ds: ds, minID: low})
			}
			continue
		}
		if err := w.sealHead(ds, run); err != nil {
			return err
		}
	}
	for len(w.ages) > 0 && w.ages[0].minID+uint64(w.s.opt.HeadSpan) <= w.maxID {
		age := w.ages[0]
		w.ages = w.ages[1:]
		if w.lowest(age.ds) == age.minID {
			g := w.grow[age.ds]
			delete(w.grow, age.ds)
			if err := w.sealHead(age.ds, g.run); err != nil {
				return err
			}
		}
	}
	var from uint64
	if len(w.ages) > 0 {
		from = w.ages[0].minID
	}
	if from != w.from {
		_ = w.batch.Set(headFromKey, binary.BigEndian.AppendUint64(nil, from), nil)
		w.from = from
	}
	return nil
}

// sealHead writes the head of ds with run, its new entries, into chunks, and raises its
// sealed mark over them.
func (w *writer) sealHead(ds int64, run []chunkEntry) error {
	h := w.s.state.heads[ds]
	all := append(h.all(len(run)), run...)
	if h.size() > 0 {
		slices.SortFunc(all, compareEntries)
	}
	m := w.marks[ds]
	for _, e := range all {
		m.id = max(m.id, e.id)
	}
	m.n += int64(len(all))
	if err := w.seal(ds, all); err != nil {
		return fmt.Errorf("seal datastream %d: %w", ds, err)
	}
	w.marks[ds] = m
	_ = w.batch.Set(sealMarkKey(ds), sealMarkValue(m), nil)
	w.sealed = append(w.sealed, ds)
	return nil
}

// growth is what a commit adds to a head: run, whose lowest ID is low.
type growth struct {
	run []chunkEntry
	low uint64
}

// lowest returns the lowest ID the head of ds will hold after this commit, or 0 when it
// will be empty.
func (w *writer) lowest(ds int64) uint64 {
	if slices.Contains(w.sealed, ds) {
		return 0
	}
	var low uint64
	if h := w.s.state.heads[ds]; h != nil {
		low = h.minID
	}
	if g, ok := w.grow[ds]; ok && (low == 0 || g.low < low) {
		low = g.low
	}
	return low
}

// pushAge queues a head by its lowest ID, in order.
func (w *writer) pushAge(a headAge) {
	if n := len(w.ages); n == 0 || w.ages[n-1].minID <= a.minID {
		w.ages = append(w.ages, a)
		return
	}
	i, _ := slices.BinarySearchFunc(w.ages, a.minID, func(x headAge, id uint64) int {
		return cmp.Compare(x.minID, id)
	})
	w.ages = slices.Insert(w.ages, i, a)
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

package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// testConcurrentAppend appends from several goroutines while others read, as the pipeline's
// workers and the HTTP handlers do; run it with -race.
func testConcurrentAppend(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	const writers, perWriter = 8, 302
	var wg sync.WaitGroup
	var all [writers][]model.Observation
	errs := make(chan error, 2*writers)
	for w := range writers {
		all[w] = series(int64(w%3+1), uint64(w*perWriter+1), perWriter)
		wg.Go(func() {
			for obs := all[w]; len(obs) > 0; {
				n := min(len(obs), 1+w)
				if err := b.Append(t.Context(), obs[:n]); err != nil {
					errs <- err
					return
				}
				obs = obs[n:]
			}
		})
		wg.Go(func() { errs <- readWhileWriting(t, b) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent use: %v", err)
		}
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}

	var flat []model.Observation
	for _, s := range all {
		flat = append(flat, s...)
	}
	checkAll(t, b, flatByID(flat))
}

// flatByID orders writer series, which hold consecutive ID blocks, by ID.
func flatByID(flat []model.Observation) []model.Observation {
	out := make([]model.Observation, len(flat))
	for _, o := range flat {
		out[o.ID-1] = o
	}
	return out
}

// readWhileWriting runs every read once so the race detector sees reads beside writes.
func readWhileWriting(t *testing.T, b Backend) error {
	ctx := t.Context()
	if _, err := b.Latest(ctx); err != nil {
		return err
	}
	if _, err := b.Count(ctx, 1, time.Time{}, time.Time{}); err != nil {
		return err
	}
	q := store.RangeQuery{DatastreamID: 2, Desc: true, Limit: 10}
	if _, err := b.Range(ctx, q); err != nil {
		return err
	}
	if _, err := b.Scan(ctx, store.ScanQuery{Limit: 10}); err != nil {
		return err
	}
	_, err := b.LastID(ctx)
	return err
}

// testClosed checks that every call on a closed backend returns an error instead of
// panicking, and that a second Close is harmless.
func testClosed(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	appendAll(t, b, series(1, 1, 3), 3)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	calls := map[string]func() error{
		"Append": func() error { return b.Append(ctx, series(1, 10, 2)) },
		"Flush":  func() error { return b.Flush(ctx) },
		"Get":    func() error { _, err := b.Get(ctx, 1); return err },
		"Range": func() error {
			_, err := b.Range(ctx, store.RangeQuery{DatastreamID: 1})
			return err
		},
		"Scan":   func() error { _, err := b.Scan(ctx, store.ScanQuery{}); return err },
		"Count":  func() error { _, err := b.Count(ctx, 1, time.Time{}, time.Time{}); return err },
		"Latest": func() error { _, err := b.Latest(ctx); return err },
		"LastID": func() error { _, err := b.LastID(ctx); return err },
		"Keep":   func() error { _, err := b.Keep(ctx, rawFixture(1)[0]); return err },
		"Raw":    func() error { _, err := b.Raw(ctx, "", 0, 0); return err },
		"Since":  func() error { _, err := b.Since(ctx, t0); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); err == nil {
				t.Fatalf("%s after Close returned no error", name)
			}
		})
	}
	_ = b.Close() // must not panic; its error is not specified
}

// testPersistence closes a backend and opens its directory again: everything written must
// be there, and new IDs and sequence numbers must carry on from the old ones.
func testPersistence(t *testing.T, h *harness) {
	if !h.opt.Persistent {
		t.Skip("backend is not persistent")
	}
	b, dir := h.fresh(t)
	all := interleave(1, series(1, 0, 20), series(2, 0, 11))
	appendAll(t, b, all, 8)
	kept := keepAll(t, b, rawFixture(9))
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	b = h.reopen(t, dir)
	checkAll(t, b, all)
	got, err := b.Raw(t.Context(), "", 0, 0)
	if err != nil {
		t.Fatalf("Raw: %v", err)
	}
	wantRaw(t, "Raw after reopen", got, kept)
	if seq, err := b.Keep(t.Context(), rawFixture(1)[0]); err != nil || seq <= kept[8].Seq {
		t.Fatalf("Keep after reopen = seq %d, %v; want more than %d", seq, err, kept[8].Seq)
	}

	more := series(1, uint64(len(all)+1), 4)
	appendAll(t, b, more, 4)
	all = append(all, more...)
	checkAll(t, b, all)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkAll(t, h.reopen(t, dir), all)
}

// checkAll fails unless b holds exactly all (IDs 1..n): Scan, Range, Count, Latest and LastID
// must all agree.
func checkAll(t *testing.T, b Backend, all []model.Observation) {
	t.Helper()
	ctx := t.Context()
	got, err := b.Scan(ctx, store.ScanQuery{})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	wantObs(t, "Scan", got, all)
	seen := map[int64]bool{}
	for _, o := range all {
		if seen[o.DatastreamID] {
			continue
		}
		seen[o.DatastreamID] = true
		series := byTime(all, o.DatastreamID)
		got, err := b.Range(ctx, store.RangeQuery{DatastreamID: o.DatastreamID})
		if err != nil {
			t.Fatalf("Range: %v", err)
		}
		wantObs(t, "Range", got, series)
		n, err := b.Count(ctx, o.DatastreamID, time.Time{}, time.Time{})
		if err != nil || n != int64(len(series)) {
			t.Fatalf("Count(%d) = %d, %v; want %d", o.DatastreamID, n, err, len(series))
		}
	}
	if n, err := b.Count(ctx, 0, time.Time{}, time.Time{}); err != nil || n != int64(len(all)) {
		t.Fatalf("Count(0) = %d, %v; want %d", n, err, len(all))
	}
	latest, err := b.Latest(ctx)
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	wantLatest(t, latest, all)
	if id, err := b.LastID(ctx); err != nil || id != uint64(len(all)) {
		t.Fatalf("LastID = %d, %v; want %d", id, err, len(all))
	}
}

package pebblestore

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/testenv"
)

var t0 = time.Date(2025, 6, 1, 8, 0, 0, 987654321, time.UTC)

// captureLog returns a logger that writes to a buffer the test can read.
func captureLog(t *testing.T) (*slog.Logger, *testenv.Buffer) {
	t.Helper()
	buf := &testenv.Buffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})), buf
}

// gen returns n Observations with IDs from firstID over datastreams, times going back and
// forth so that series order is not ID order.
func gen(firstID uint64, n int, datastreams ...int64) []model.Observation {
	obs := make([]model.Observation, n)
	for i := range obs {
		obs[i] = model.Observation{
			ID:             firstID + uint64(i),
			DatastreamID:   datastreams[i%len(datastreams)],
			PhenomenonTime: t0.Add(time.Duration((i*37)%n) * time.Second),
			ResultTime:     t0.Add(time.Duration(i) * time.Second),
			Result:         model.Number(float64(i) / 4),
		}
	}
	return obs
}

// appendFlush appends obs and flushes.
func appendFlush(t *testing.T, s store.Store, obs []model.Observation) {
	t.Helper()
	if err := s.Append(t.Context(), obs); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// consistent fails unless the in-memory counts, latest values and last ID agree with what
// Scan and Range read from the keys. It returns every stored Observation by ID.
func consistent(t *testing.T, s store.Store) []model.Observation {
	t.Helper()
	ctx := t.Context()
	all, err := s.Scan(ctx, store.ScanQuery{})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	perDS := map[int64]int{}
	var maxID uint64
	for _, o := range all {
		perDS[o.DatastreamID]++
		maxID = max(maxID, o.ID)
	}
	latest, err := s.Latest(ctx)
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if len(latest) != len(perDS) {
		t.Fatalf("Latest has %d Datastreams, the keys %d", len(latest), len(perDS))
	}
	for ds, n := range perDS {
		rows, err := s.Range(ctx, store.RangeQuery{DatastreamID: ds, Desc: true, Limit: 1})
		if err != nil || len(rows) != 1 {
			t.Fatalf("Range of %d: %d rows, %v", ds, len(rows), err)
		}
		if l := latest[ds]; l.ID != rows[0].ID {
			t.Fatalf("Latest of %d is ID %d, the keys say %d", ds, l.ID, rows[0].ID)
		}
		c, err := s.Count(ctx, ds, time.Time{}, time.Time{})
		if err != nil || c != int64(n) {
			t.Fatalf("Count(%d) = %d, %v; the keys hold %d", ds, c, err, n)
		}
	}
	if c, _ := s.Count(ctx, 0, time.Time{}, time.Time{}); c != int64(len(all)) {
		t.Fatalf("Count(0) = %d; the keys hold %d", c, len(all))
	}
	if id, _ := s.LastID(ctx); id != maxID {
		t.Fatalf("LastID = %d; the keys' highest is %d", id, maxID)
	}
	return all
}

// hasAll fails unless every Observation of want is stored as it was written.
func hasAll(t *testing.T, s store.Store, want []model.Observation) {
	t.Helper()
	for _, w := range want {
		got, err := s.Get(t.Context(), w.ID)
		if err != nil {
			t.Fatalf("Get(%d): %v", w.ID, err)
		}
		if got.DatastreamID != w.DatastreamID || !got.PhenomenonTime.Equal(w.PhenomenonTime) ||
			got.Result != w.Result {
			t.Fatalf("Get(%d) = %+v, want %+v", w.ID, got, w)
		}
	}
}

// crash stops s as a crash would: nothing from here on reaches the disk, and fs forgets
// every write that was not synced.
func crash(s *Store, fs *vfs.MemFS) {
	fs.SetIgnoreSyncs(true)
	_ = s.Close()
	fs.ResetToSyncedState()
	fs.SetIgnoreSyncs(false)
}

// restart closes s and opens the store on fs again, in one of four ways by round: closed
// cleanly, crashed, closed and reopened with Verify, or not at all (s is returned).
func restart(t *testing.T, s *Store, fs *vfs.MemFS, opt Options, round int) *Store {
	t.Helper()
	switch round % 4 {
	case 0:
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	case 1:
		crash(s, fs)
	case 2:
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		opt.Verify = true
	default:
		return s
	}
	s, err := open("", opt, quiet(), fs)
	if err != nil {
		t.Fatalf("round %d: open: %v", round, err)
	}
	return s
}

// repeatUntil runs fn on a goroutine of wg, again and again, until stop is closed or fn
// fails; the failure goes to fail.
func repeatUntil(wg *sync.WaitGroup, stop <-chan struct{}, fn func() error, fail func(error)) {
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := fn(); err != nil {
				fail(err)
				return
			}
		}
	})
}

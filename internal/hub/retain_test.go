package hub

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vindel-hub/vindel/internal/config"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/pebblestore"
)

// TestRetentionLoop: a data directory whose raw log holds uplinks of two days ago and of
// now, in small segments; a hub started on it with a retention of a day deletes the old
// segments at once, counts them, and keeps every uplink of now.
func TestRetentionLoop(t *testing.T) {
	dir := t.TempDir()
	const segment = 4 << 10
	st, err := pebblestore.Open(filepath.Join(dir, "series"),
		pebblestore.Options{RawSegmentSize: segment}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keep := func(n int, at time.Time) {
		for i := range n {
			if _, err := st.Keep(ctx, store.RawUplink{ReceivedAt: at.Add(time.Duration(i)),
				Source: "old", DevEUI: "a1b2c3d4e5f60708", Outcome: store.OutcomeDecoded,
				DedupKey: fmt.Sprint("k", at.Unix(), i), Envelope: make([]byte, 200)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	keep(200, time.Now().Add(-48*time.Hour))
	keep(50, time.Now())
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	r := startHub(t, func(c *config.Config) {
		c.DataDir = dir
		c.Archive.Retention, c.Archive.SegmentSize = 24*time.Hour, segment
	})
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(r.h.metrics.RawSegmentsDeleted) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no raw log segment deleted past the retention")
		}
		time.Sleep(20 * time.Millisecond)
	}
	raws, err := r.h.store.Raw(ctx, "a1b2c3d4e5f60708", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	recent := 0
	for _, u := range raws {
		if time.Since(u.ReceivedAt) < time.Hour {
			recent++
		}
	}
	if recent != 50 || len(raws) >= 250 {
		t.Fatalf("after retention: %d raw uplinks, %d of them recent; want all 50 recent and "+
			"old ones gone", len(raws), recent)
	}
}

package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
	"github.com/vindel-hub/vindel/internal/store/pebblestore"
)

// counting is a Publisher that counts what it is given.
type counting struct{ n atomic.Int64 }

func (c *counting) Publish(obs []model.Observation) { c.n.Add(int64(len(obs))) }

type backend interface {
	store.Store
	store.Archive
}

// discard is a store that keeps nothing, so that the "discard" run measures the pipeline's own
// work; the other runs add the cost of a real store.
type discard struct{ *memstore.Store }

func (discard) Append(context.Context, []model.Observation) error { return nil }

func (discard) Keep(context.Context, ...store.RawUplink) (uint64, error) { return 0, nil }

// BenchmarkPipeline measures the pipeline alone, without a broker: ChirpStack v4 envelopes of
// Milesight AM103 uplinks (4 values each) from 1,000 registered devices, through parsing,
// de-duplication, decoding, Datastream lookup, offsets, the raw archive, the store and the
// publisher. It reports uplinks/s.
func BenchmarkPipeline(b *testing.B) {
	for _, kind := range []string{"discard", "memstore", "pebblestore"} {
		b.Run(kind, func(b *testing.B) {
			var st backend = memstore.New()
			if kind == "discard" {
				st = &discard{Store: memstore.New()}
			}
			if kind == "pebblestore" {
				ps, err := pebblestore.Open(filepath.Join(b.TempDir(), "series"), pebblestore.Options{},
					slog.New(slog.DiscardHandler))
				if err != nil {
					b.Fatal(err)
				}
				defer ps.Close()
				st = ps
			}
			benchPipeline(b, st)
		})
	}
}

func benchPipeline(b *testing.B, st backend) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	reg, profiles := openRegistry(b, log), shippedProfiles(b)
	const ndev = 1000
	for i := range ndev {
		if _, err := reg.Create(ctx, devices.Device{DevEUI: fmt.Sprintf("a1b2c3d4%08x", i),
			Profile: "milesight-iot/am103", Public: true}); err != nil {
			b.Fatal(err)
		}
	}
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = v4Uplink(b, fmt.Sprintf("a1b2c3d4%08x", i%ndev), i/ndev)
	}

	pub := &counting{}
	p, err := New(ctx, Deps{Registry: reg, Profiles: profiles, Store: st, Archive: st, Stream: pub,
		Metrics: metrics.New(), Log: log}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()

	// Warm up: the first uplink of each device creates its Datastreams.
	for i := range ndev {
		body := v4Uplink(b, fmt.Sprintf("a1b2c3d4%08x", i), 1<<20)
		_ = p.Handle(ctx, ingest.Message{Source: "bench", Body: body, ArrivedAt: time.Now()})
	}
	waitCount(b, pub, 4*ndev)
	pub.n.Store(0)

	b.ResetTimer()
	start := time.Now()
	for _, body := range bodies {
		if err := p.Handle(ctx, ingest.Message{Source: "bench", Body: body, ArrivedAt: start}); err != nil {
			b.Fatal(err)
		}
	}
	waitCount(b, pub, int64(4*b.N))
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "uplinks/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func waitCount(b *testing.B, c *counting, n int64) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for c.n.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("published %d of %d observations", c.n.Load(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

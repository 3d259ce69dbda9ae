// Package pipeline is the hub's data path from a received Message to stored and published
// Observations: parse the envelope, drop duplicates, find the device and its firmware profile,
// decode, map decoded fields to Datastreams, assign stream offsets, store, publish. Every
// message gets exactly one outcome, counted and kept with the raw envelope.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/profile"
	"github.com/vindel-hub/vindel/internal/store"
)

// Publisher takes newly stored Observations for live fan-out. Publish must not block.
type Publisher interface {
	Publish(obs []model.Observation)
}

// Options tunes the pipeline.
type Options struct {
	Workers     int           // parallel parse-and-decode workers; default GOMAXPROCS
	Queue       int           // Messages waiting for a worker; default 8192
	DedupWindow time.Duration // how long an uplink is remembered to drop its duplicates; 1h
	// DedupTolerance is how far apart the reception times of two copies of one uplink may
	// lie; 2m.
	DedupTolerance time.Duration
}

// Deps are the parts the pipeline connects.
type Deps struct {
	Registry *devices.Registry
	Profiles *profile.Set
	Store    store.Store
	Archive  store.Archive
	Stream   Publisher
	Metrics  *metrics.Metrics
	Log      *slog.Logger
}

// ErrClosed is returned by Handle once the pipeline is shutting down.
var ErrClosed = errors.New("pipeline closed")

// Pipeline is an ingest.Sink that runs the data path. Build it with New, then Run it.
type Pipeline struct {
	d     Deps
	opt   Options
	dedup *window
	warn  *warner

	acks     *acker
	queue    chan queued
	results  chan result
	durable  chan written // written batches, waiting for the store's flush
	mu       sync.RWMutex // guards closed against sends on a closed queue
	closed   bool
	nextID   uint64                           // owned by the sequencer
	counters map[[2]string]prometheus.Counter // owned by the sequencer
	streams  map[dsKey]*model.Datastream      // owned by the sequencer
	raws     []store.RawUplink                // owned by the sequencer

	redecoding chan struct{} // holds a token while a Redecode runs: one at a time
	unkeptMu   sync.Mutex
	unkept     map[string]bool // dedup keys Redecode queued whose raw records were not kept
}

// New builds a pipeline. It reads the last stored Observation id, so offsets continue across
// restarts, and the dedup keys of the recent window from the archive.
func New(ctx context.Context, d Deps, opt Options) (*Pipeline, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Queue <= 0 {
		opt.Queue = 8192
	}
	opt.DedupWindow = EffectiveDedupWindow(opt.DedupWindow)
	if opt.DedupTolerance <= 0 {
		opt.DedupTolerance = 2 * time.Minute
	}

	last, err := d.Store.LastID(ctx)
	if err != nil {
		return nil, fmt.Errorf("pipeline: read last offset: %w", err)
	}
	p := &Pipeline{
		d: d, opt: opt, nextID: last + 1, counters: map[[2]string]prometheus.Counter{},
		streams:    map[dsKey]*model.Datastream{},
		dedup:      newWindow(opt.DedupWindow, opt.DedupTolerance),
		warn:       newWarner(d.Log),
		acks:       newAcker(),
		queue:      make(chan queued, opt.Queue),
		results:    make(chan result, opt.Queue),
		durable:    make(chan written, 64),
		redecoding: make(chan struct{}, 1), unkept: map[string]bool{},
	}

	since := time.Now().Add(-opt.DedupWindow)
	keys, err := d.Archive.Since(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("pipeline: read recent uplinks: %w", err)
	}
	for _, k := range keys {
		p.dedup.seen(parseArchiveKey(k))
	}
	return p, nil
}

// DefaultDedupWindow is the de-duplication window of Options with none set.
const DefaultDedupWindow = time.Hour

// EffectiveDedupWindow is the window a pipeline uses for the one configured.
func EffectiveDedupWindow(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultDedupWindow
	}
	return d
}

// Handle queues a Message. It blocks while the queue is full, until ctx ends (then ErrBusy),
// which is the backpressure transports rely on.
func (p *Pipeline) Handle(ctx context.Context, m ingest.Message) error {
	_, err := p.enqueue(ctx, m, true)
	return err
}

// Offer queues m if the queue has room at once, and reports whether it did.
func (p *Pipeline) Offer(m ingest.Message) (bool, error) {
	return p.enqueue(context.Background(), m, false)
}

// enqueue queues m, with wait waiting for room until ctx is done. A Message not queued
// gives up its place in the acknowledgement order at once.
func (p *Pipeline) enqueue(ctx context.Context, m ingest.Message, wait bool) (bool, error) {
	q := queued{msg: m, finish: p.acks.wrap(m.Ack)}
	ok, err := p.submit(ctx, q, wait)
	if !ok && q.finish != nil {
		q.finish("", false)
	}
	return ok, err
}

// submit queues q if the queue has room, and with wait waits for room until ctx is done.
// It reports whether q was queued.
func (p *Pipeline) submit(ctx context.Context, q queued, wait bool) (bool, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false, ErrClosed
	}
	select {
	case p.queue <- q:
		return true, nil
	default:
	}
	if !wait {
		return false, nil
	}
	select {
	case p.queue <- q:
		return true, nil
	case <-ctx.Done():
		return false, fmt.Errorf("%w: %w", ingest.ErrBusy, ctx.Err())
	}
}

// queued is a Message waiting for a worker, with its place in the acknowledgement order.
type queued struct {
	msg    ingest.Message
	finish finishFunc // nil when nothing waits for the Message
}

// finishFunc is called once a Message's raw envelope is kept, or failed to be, with its
// outcome: it releases a transport's acknowledgement, or tells Redecode what became of it.
type finishFunc func(o store.Outcome, kept bool)

// Run processes Messages until ctx ends, then stops taking new ones, finishes every queued
// Message and flushes the store.
func (p *Pipeline) Run(ctx context.Context) error {
	var workers sync.WaitGroup
	for range p.opt.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for q := range p.queue {
				r := p.process(q.msg)
				r.finish = q.finish
				p.results <- r
			}
		}()
	}
	seqDone := make(chan struct{})
	go func() {
		defer close(seqDone)
		p.sequence()
	}()
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		p.publish()
	}()

	<-ctx.Done()
	p.mu.Lock()
	p.closed = true
	close(p.queue)
	p.mu.Unlock()
	workers.Wait()
	close(p.results)
	<-seqDone
	close(p.durable)
	<-pubDone

	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := p.d.Store.Flush(flushCtx); err != nil {
		return fmt.Errorf("pipeline: flush on shutdown: %w", err)
	}
	p.d.Log.Info("pipeline stopped", "next_offset", p.nextID)
	return nil
}

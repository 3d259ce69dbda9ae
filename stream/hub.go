package stream

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// Options tunes a Hub. Zero fields take the defaults given beside them.
type Options struct {
	Buffer       int           // recent Observations kept in memory for resume (default 65536)
	ClientQueue  int           // per-client send queue (default 4096); full → client closed
	PingInterval time.Duration // default 20s; pong deadline 2× that
	WriteTimeout time.Duration // default 10s
	MaxReplay    int           // most Observations one resume may read from the store (1e6)
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Buffer <= 0 {
		o.Buffer = 65536
	}
	if o.ClientQueue <= 0 {
		o.ClientQueue = 4096
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 20 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.MaxReplay <= 0 {
		o.MaxReplay = 1_000_000
	}
	return o
}

// errHubClosed is returned to a client that arrives after Close.
var errHubClosed = errors.New("stream: hub closed")

// headTimeout bounds the store read that finds the starting head in New.
const headTimeout = 10 * time.Second

// Hub fans Observations out to stream clients. Lock order: Hub.mu, then nothing; the hub
// never calls out (store, catalogue, network) while holding it.
type Hub struct {
	cat devices.Catalog
	st  store.Store
	m   *metrics.Metrics
	log *slog.Logger
	opt Options

	upgrader websocket.Upgrader
	live     atomic.Int64   // connected clients, for Clients
	sessions sync.WaitGroup // running client sessions, awaited by Close

	mu      sync.Mutex // guards the fields below
	ring    ring
	head    uint64 // the highest offset published (or stored when the hub started)
	clients map[*client]struct{}
	closed  bool
}

// New returns a Hub that serves Observations visible in cat.Public, replaying older ones
// from st. It reads the store's highest offset once, to know where live delivery starts.
func New(cat devices.Catalog, st store.Store, m *metrics.Metrics, log *slog.Logger,
	opt Options) *Hub {
	if m == nil {
		m = metrics.New()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Hub{
		cat: cat, st: st, m: m, log: log, opt: opt.withDefaults(),
		clients: make(map[*client]struct{}),
	}
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: h.opt.WriteTimeout,
		WriteBufferPool:  &sync.Pool{},
		// Any origin may connect: see "Origins" in the package documentation.
		CheckOrigin: func(*http.Request) bool { return true },
	}

	ctx, cancel := context.WithTimeout(context.Background(), headTimeout)
	defer cancel()
	head, err := st.LastID(ctx)
	if err != nil {
		log.Error("stream: reading the store's last offset; resume may miss older data",
			"err", err)
	}
	h.head = head
	h.ring = newRing(h.opt.Buffer, head)
	return h
}

// Publish hands newly stored Observations, offsets increasing, to the live clients. It never
// blocks: a client whose queue is full is closed as too slow. Observations whose offset is
// not above the last one published are dropped and logged, since sending them would break
// every client's ordering.
func (h *Hub) Publish(obs []model.Observation) {
	// With sessions connected, go straight to building entries: one lock, not two.
	if len(obs) == 0 || h.live.Load() == 0 && h.publishUnheard(obs) {
		return
	}
	entries := newEntries(obs, h.cat.Public(), h.live.Load() > 0)
	var dropped []*client

	h.mu.Lock()
	fresh := h.acceptLocked(entries)
	for c := range h.clients {
		if !c.offerLocked(fresh) {
			delete(h.clients, c)
			dropped = append(dropped, c)
		}
	}
	h.mu.Unlock()

	h.logSkipped(len(obs) - len(fresh))
	for _, c := range dropped {
		h.m.StreamDropped.Inc()
		h.log.Warn("stream: closing a client that fell behind", "transport", c.transport,
			"remote", c.remote, "queued", cap(c.queue))
	}
}

// publishUnheard publishes obs into the ring alone when no client is registered, without
// building their entries, and reports whether it did. A client that registers after it
// finds them in the ring.
func (h *Hub) publishUnheard(obs []model.Observation) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) > 0 {
		return false
	}
	skipped := 0
	for i := range obs {
		if !h.advanceLocked(obs[i]) {
			skipped++
		}
	}
	h.logSkipped(skipped)
	return true
}

// logSkipped logs the Observations Publish dropped for offsets out of order, if any.
func (h *Hub) logSkipped(n int) {
	if n > 0 {
		h.log.Error("stream: Publish got offsets out of order; dropped them", "count", n)
	}
}

// advanceLocked puts o in the ring and moves the head to it, unless its offset is not above
// the head; it reports whether it did. h.mu is held.
func (h *Hub) advanceLocked(o model.Observation) bool {
	if o.ID <= h.head {
		return false
	}
	h.head = o.ID
	h.ring.push(o)
	return true
}

// acceptLocked stores the entries in the ring and advances the head, returning those whose
// offset is above the head, in order.
func (h *Hub) acceptLocked(entries []entry) []*entry {
	fresh := make([]*entry, 0, len(entries))
	for i := range entries {
		if h.advanceLocked(entries[i].obs) {
			fresh = append(fresh, &entries[i])
		}
	}
	return fresh
}

// plan is what a new subscription must replay: the store up to floor, then ring, up to head.
type plan struct {
	head  uint64
	floor uint64
	ring  []model.Observation
}

// attach registers c for live delivery with sub's filter and returns what to replay. From
// here on every matching Observation above head goes into c's queue.
func (h *Hub) attach(c *client, sub subscription) (plan, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return plan{}, errHubClosed
	}
	select {
	case <-c.done: // dropped meanwhile: do not register it again
		return plan{}, errKilled
	default:
	}
	h.clients[c] = struct{}{}
	c.filter = sub.filter
	p := plan{head: h.head, floor: h.ring.floor}
	if sub.resume && sub.from < h.head {
		p.ring = h.ring.after(sub.from)
	}
	return p, nil
}

// detach removes c from live delivery.
func (h *Hub) detach(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// begin counts a new client session, or refuses it once the hub is closed.
func (h *Hub) begin(transport string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errHubClosed
	}
	h.sessions.Add(1)
	h.live.Add(1)
	h.m.StreamClients.WithLabelValues(transport).Inc()
	return nil
}

// end uncounts a client session started by begin.
func (h *Hub) end(transport string) {
	h.m.StreamClients.WithLabelValues(transport).Dec()
	h.live.Add(-1)
	h.sessions.Done()
}

// Clients returns the number of connected stream clients, WebSocket and SSE.
func (h *Hub) Clients() int { return int(h.live.Load()) }

// Close closes every client with 1001 (going away), refuses new ones, and waits until every
// session has ended; a client blocked in a write holds it up at most WriteTimeout.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	for c := range h.clients {
		c.kill(closeShutdown)
	}
	clear(h.clients)
	h.mu.Unlock()
	h.sessions.Wait()
}

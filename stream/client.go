package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

// The transports, also the values of the transport label on vindel_stream_clients.
const (
	transportWebSocket = "websocket"
	transportSSE       = "sse"
)

// drainBatch is how many queued Observations the writer sends before it looks for pings,
// kills and new subscriptions again.
const drainBatch = 64

// errKilled ends a session that was closed from outside its writer (see client.kill).
var errKilled = errors.New("stream: client closed")

// sink is a client's transport. Only the client's writer goroutine calls it.
type sink interface {
	// frame sends one frame; offset is the Observation's offset, or 0 for control frames.
	frame(event string, offset uint64, data []byte) error
	// ping sends a keepalive.
	ping() error
	// close ends the connection, telling the client why when why.status is not zero.
	close(why closeReason)
}

// closeReason says why a connection ends: a WebSocket status (RFC 6455 section 7.4) with its
// reason text, and the error code SSE clients get in a final error event.
type closeReason struct {
	status int
	code   string
	text   string
}

// The reasons the hub closes a client.
var (
	closeShutdown    = closeReason{websocket.CloseGoingAway, "going_away", "server shutting down"}
	closePongTimeout = closeReason{websocket.ClosePolicyViolation, "", "pong timeout"}
	closeBadRequest  = closeReason{websocket.ClosePolicyViolation, "", "bad request"}
	closeReplay      = closeReason{websocket.CloseInternalServerErr, "", "replay failed"}
)

// closeTooSlow is the reason for a client whose queue of n Observations filled up.
func closeTooSlow(n int) closeReason {
	return closeReason{websocket.ClosePolicyViolation, codeTooSlow,
		fmt.Sprintf("too slow: %d queued", n)}
}

// client is one stream connection: a bounded queue that Publish fills and one writer
// goroutine (run) that empties it, replays, and owns every write to the sink.
type client struct {
	h         *Hub
	transport string
	remote    string
	sink      sink
	queue     chan *entry
	ticker    *time.Ticker
	inbox     inbox
	cancel    context.CancelFunc

	done chan struct{} // closed by kill
	once sync.Once
	why  closeReason // set once, before done is closed

	filter *filter // written by attach under Hub.mu; read by Publish under it, and by run
	pos    uint64  // run only: every offset up to pos is passed in this subscription
}

// newClient builds a client whose context is ended by cancel.
func (h *Hub) newClient(transport, remote string, s sink, cancel context.CancelFunc) *client {
	return &client{
		h: h, transport: transport, remote: remote, sink: s, cancel: cancel,
		queue:  make(chan *entry, h.opt.ClientQueue),
		ticker: time.NewTicker(h.opt.PingInterval),
		inbox:  inbox{ready: make(chan struct{}, 1)},
		done:   make(chan struct{}),
	}
}

// kill ends the client for why; the first call wins. It never blocks.
func (c *client) kill(why closeReason) {
	c.once.Do(func() {
		c.why = why
		close(c.done)
		c.cancel()
	})
}

// entry is a published Observation as every client's queue holds it: shared, read-only,
// with its Datastream in the public snapshot of publication and its frame encoded once
// (both nil when the Datastream was not public then).
type entry struct {
	obs   model.Observation
	ds    *model.Datastream
	frame []byte
}

// newEntries builds the entries of obs under snap, encoding frames only when asked to (when
// nobody listens, send encodes on demand).
func newEntries(obs []model.Observation, snap *devices.Snapshot, encode bool) []entry {
	out := make([]entry, len(obs))
	for i := range obs {
		out[i].obs = obs[i]
		if snap == nil {
			continue
		}
		if ds, ok := snap.Datastream(obs[i].DatastreamID); ok {
			out[i].ds = ds
			if encode {
				out[i].frame = encodeObservation(&obs[i], ds)
			}
		}
	}
	return out
}

// offerLocked queues the entries that pass c's filter, without blocking. It returns false,
// having killed c, when the queue is full. Hub.mu is held.
func (c *client) offerLocked(entries []*entry) bool {
	all := c.filter.all()
	for _, e := range entries {
		if !all && (e.ds == nil || !c.filter.match(e.ds)) {
			continue // not public when published, or filtered out: no need to queue it
		}
		select {
		case c.queue <- e:
		default:
			c.kill(closeTooSlow(len(c.queue)))
			return false
		}
	}
	return true
}

// run serves the client until it is closed: first sub, then live delivery and the
// subscriptions that replace it.
func (c *client) run(ctx context.Context, sub subscription) {
	defer c.ticker.Stop()
	defer c.h.detach(c)

	err := c.subscribe(ctx, sub)
	for err == nil {
		err = c.step(ctx)
	}
	c.finish(err)
}

// step waits for one thing to do and does it.
func (c *client) step(ctx context.Context) error {
	select {
	case <-c.done:
		return errKilled
	default:
	}
	select {
	case <-c.done:
		return errKilled
	case <-ctx.Done():
		return ctx.Err()
	case <-c.inbox.ready:
		return c.takeInbox(ctx)
	case e := <-c.queue:
		return c.deliver(e)
	case <-c.ticker.C:
		return c.sink.ping()
	}
}

// deliver sends e and whatever else is queued, up to drainBatch.
func (c *client) deliver(e *entry) error {
	if err := c.send(&e.obs, e.ds, e.frame); err != nil {
		return err
	}
	for range drainBatch - 1 {
		select {
		case e = <-c.queue:
			if err := c.send(&e.obs, e.ds, e.frame); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

// send writes o if its offset is new to this subscription, it passes the filter, and its
// Datastream is public now: visibility is decided here, at send time, for every frame. The
// frame encoded at publication is reused while the public view still holds the Datastream
// it was encoded with.
func (c *client) send(o *model.Observation, encodedWith *model.Datastream, frame []byte) error {
	if o.ID <= c.pos {
		return nil
	}
	c.pos = o.ID
	snap := c.h.cat.Public()
	if snap == nil {
		return nil
	}
	ds, ok := snap.Datastream(o.DatastreamID)
	if !ok || !c.filter.match(ds) {
		return nil
	}
	if ds != encodedWith || frame == nil {
		frame = encodeObservation(o, ds)
	}
	return c.sink.frame(typeObservation, o.ID, frame)
}

// takeInbox sends the error frames the reader left and starts a new subscription, if any.
func (c *client) takeInbox(ctx context.Context) error {
	sub, errs := c.inbox.take()
	for _, e := range errs {
		if err := c.sink.frame(typeError, 0, e); err != nil {
			return err
		}
	}
	if sub == nil {
		return nil
	}
	return c.subscribe(ctx, *sub)
}

// finish closes the connection, with the reason kill gave or one that err implies.
func (c *client) finish(err error) {
	switch {
	case errors.Is(err, errReplayFailed):
		c.kill(closeReplay)
	case errors.Is(err, errHubClosed):
		c.kill(closeShutdown)
	default:
		c.kill(closeReason{}) // a failed write or a vanished peer: nothing more to say
	}
	c.sink.close(c.why)
}

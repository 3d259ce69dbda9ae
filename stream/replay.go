package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/vindel-hub/vindel/internal/store"
)

// scanPage is how many Observations one store read of a replay asks for.
const scanPage = 1024

// ringChunk is how many ring entries a replay sends between checks for pings and kills.
const ringChunk = 256

var (
	// errReplayFailed ends a session whose replay could not read the store.
	errReplayFailed = errors.New("stream: replay failed")
	// errSuperseded stops a replay because a newer subscription is waiting.
	errSuperseded = errors.New("stream: subscription replaced")
)

// subscribe makes sub the client's subscription. The hand-over from replay to live works so:
// attach registers the filter for live delivery and, in the same critical section as
// Publish, reads the head H and copies the ring; from then on everything above H lands in
// the queue, which holds back while the replay sends (from, H] from the store and the ring
// copy; draining the queue afterwards skips every offset up to c.pos. So no offset is lost
// and none is sent twice.
func (c *client) subscribe(ctx context.Context, sub subscription) error {
	p, err := c.h.attach(c, sub)
	if err != nil {
		return err
	}

	if sub.resume && sub.from > p.head {
		// The client saw offsets this hub never gave out: its data was reset, or the client
		// talks to another hub. Waiting for the offsets to catch up would mean silence.
		if err := c.sendAhead(sub.from, p.head); err != nil {
			return err
		}
		sub.from = p.head
	}
	start := sub.from
	if sub.resume && start < p.floor {
		if start, err = c.storeStart(ctx, start, p.floor); err != nil {
			return c.replayFailed(err)
		}
		if err := c.sendLimited(sub.from, start); err != nil {
			return err
		}
	}
	if err := c.sendSubscribed(sub, start, p.head); err != nil {
		return err
	}
	if !sub.resume {
		c.pos = p.head
		return nil
	}

	c.pos = start
	err = c.replay(ctx, start, p)
	if errors.Is(err, errSuperseded) {
		return nil
	}
	if err != nil {
		return err
	}
	c.pos = max(c.pos, p.head, sub.from)
	return c.sink.frame(typeCaughtUp, 0, mustJSON(caughtUpFrame{Type: typeCaughtUp,
		Offset: c.pos}))
}

// sendLimited tells the client, when MaxReplay moved the start of its replay from from to
// start, which Observations it will not get.
func (c *client) sendLimited(from, start uint64) error {
	if start == from {
		return nil
	}
	msg := fmt.Sprintf("replay after offset %d would read more than %d stored Observations;"+
		" replaying those after offset %d", from, c.h.opt.MaxReplay, start)
	return c.sink.frame(typeError, 0, encodeError(codeReplayLimited, msg, &start))
}

// sendAhead tells the client that from lies beyond the newest offset, head, and that it
// continues after head.
func (c *client) sendAhead(from, head uint64) error {
	msg := fmt.Sprintf("offset %d is beyond the newest offset %d (was the hub's data reset?);"+
		" continuing after offset %d", from, head, head)
	return c.sink.frame(typeError, 0, encodeError(codeFromAhead, msg, &head))
}

// sendSubscribed confirms sub, which replays after start when it resumes.
func (c *client) sendSubscribed(sub subscription, start, head uint64) error {
	f := subscribedFrame{Type: typeSubscribed, Filter: sub.filter.spec, Head: head}
	if sub.resume {
		f.From = &start
	}
	return c.sink.frame(typeSubscribed, 0, mustJSON(f))
}

// replay sends what p covers after start: the store up to p.floor, then the ring copy.
func (c *client) replay(ctx context.Context, start uint64, p plan) error {
	if start < p.floor {
		if err := c.replayStore(ctx, start, p.floor); err != nil {
			return err
		}
	}
	for i := 0; i < len(p.ring); i += ringChunk {
		if err := c.checkpoint(); err != nil {
			return err
		}
		for j := i; j < min(i+ringChunk, len(p.ring)); j++ {
			if err := c.send(&p.ring[j], nil, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// replayStore sends the stored Observations with offsets in (after, floor], page by page.
func (c *client) replayStore(ctx context.Context, after, floor uint64) error {
	for {
		obs, err := c.h.st.Scan(ctx, store.ScanQuery{AfterID: after, Limit: scanPage})
		if err != nil {
			return c.replayFailed(fmt.Errorf("scanning after %d: %w", after, err))
		}
		for i := range obs {
			if obs[i].ID > floor {
				return nil
			}
			if obs[i].ID <= after {
				return c.replayFailed(fmt.Errorf("store returned offset %d after %d",
					obs[i].ID, after))
			}
			if err := c.send(&obs[i], nil, nil); err != nil {
				return err
			}
			after = obs[i].ID
		}
		if len(obs) < scanPage {
			return nil
		}
		if err := c.checkpoint(); err != nil {
			return err
		}
	}
}

// storeStart makes the store readable up to floor and returns the offset a store replay
// after from starts after: from itself, unless more than MaxReplay Observations lie in
// (from, floor], in which case it is the offset below the newest MaxReplay of them.
func (c *client) storeStart(ctx context.Context, from, floor uint64) (uint64, error) {
	if err := c.h.st.Flush(ctx); err != nil {
		return 0, fmt.Errorf("flushing before replay: %w", err)
	}
	limit := uint64(c.h.opt.MaxReplay)
	if floor-from <= limit {
		return from, nil // offsets are distinct integers: (from, floor] holds at most floor-from
	}
	return c.walkBack(ctx, from, floor)
}

// walkBack pages down from floor counting stored Observations, and returns the offset below
// the newest MaxReplay of them, or from when (from, floor] holds no more than that.
func (c *client) walkBack(ctx context.Context, from, floor uint64) (uint64, error) {
	limit := c.h.opt.MaxReplay
	count, before := 0, floor+1
	for {
		page := min(scanPage, limit-count+1)
		obs, err := c.h.st.Scan(ctx, store.ScanQuery{AfterID: before, Desc: true, Limit: page})
		if err != nil {
			return 0, fmt.Errorf("counting back from %d: %w", floor, err)
		}
		for _, o := range obs {
			if o.ID <= from {
				return from, nil
			}
			if count++; count > limit {
				return o.ID, nil
			}
			before = o.ID
		}
		if len(obs) < page {
			return from, nil
		}
	}
}

// replayFailed tells the client the replay cannot go on and returns the error that ends the
// session: resuming past a hole would break the no-gap promise.
func (c *client) replayFailed(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	c.h.log.Error("stream: replay from the store failed", "transport", c.transport,
		"remote", c.remote, "err", err)
	_ = c.sink.frame(typeError, 0, encodeError(codeReplayFailed,
		"the stored Observations could not be read; try again later", nil))
	return fmt.Errorf("%w: %w", errReplayFailed, err)
}

// checkpoint lets a long replay notice a kill or a newer subscription, and keep pinging.
func (c *client) checkpoint() error {
	select {
	case <-c.done:
		return errKilled
	default:
	}
	if c.inbox.pending() {
		return errSuperseded
	}
	select {
	case <-c.ticker.C:
		return c.sink.ping()
	default:
		return nil
	}
}

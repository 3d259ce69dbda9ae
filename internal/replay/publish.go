package replay

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/time/rate"
)

// drainTimeout bounds the wait for the last acknowledgements once publishing stops.
const drainTimeout = 10 * time.Second

// publisher publishes with up to inFlight messages awaiting the broker, counting those the
// broker took.
type publisher struct {
	client  mqtt.Client
	qos     byte
	log     *slog.Logger
	pending []mqtt.Token // oldest first
	sent    int
}

// round publishes every record once, as round number n of the replay.
func (p *publisher) round(ctx context.Context, lim *rate.Limiter, recs []Record,
	spans map[string]uint32, n int, shift bool) error {
	for i, r := range recs {
		if err := pace(ctx, lim); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		e := edit{shift: shift, now: time.Now().UTC(), fcnt: uint32(n) * spans[r.Topic]}
		body, err := rewrite(r.Body, e)
		if err != nil {
			return fmt.Errorf("replay: record %d (%s): %w", i+1, r.Topic, err)
		}
		if err := p.publish(ctx, r.Topic, body); err != nil {
			return err
		}
	}
	return nil
}

// pace waits for the limiter's next slot or for ctx. Unlike rate.Limiter.Wait it does not
// fail early when the slot lies beyond ctx's deadline: the caller tells a finished context
// from a failure by ctx.Err.
func pace(ctx context.Context, lim *rate.Limiter) error {
	d := lim.Reserve().Delay()
	if d == 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (p *publisher) publish(ctx context.Context, topic string, body []byte) error {
	if len(p.pending) == inFlight {
		tok := p.pending[0]
		p.pending = p.pending[1:]
		select {
		case <-tok.Done():
		case <-ctx.Done():
			return fmt.Errorf("replay: %w", ctx.Err())
		}
		if err := p.settled(tok); err != nil {
			return err
		}
	}
	p.pending = append(p.pending, p.client.Publish(topic, p.qos, false, body))
	return nil
}

func (p *publisher) settled(tok mqtt.Token) error {
	if err := tok.Error(); err != nil {
		return fmt.Errorf("replay: publish: %w", err)
	}
	p.sent++
	return nil
}

// drain waits for the outstanding publishes and returns the total the broker took.
func (p *publisher) drain() (int, error) {
	deadline := time.Now().Add(drainTimeout)
	var first error
	for _, tok := range p.pending {
		if !tok.WaitTimeout(time.Until(deadline)) {
			first = cmp.Or(first, fmt.Errorf("replay: no acknowledgement within %v", drainTimeout))
			continue
		}
		first = cmp.Or(first, p.settled(tok))
	}
	p.pending = p.pending[:0]
	return p.sent, first
}

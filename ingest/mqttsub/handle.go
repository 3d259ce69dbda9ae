package mqttsub

import (
	"bytes"
	"context"
	"errors"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/vindel-hub/vindel/ingest"
)

// Pauses between two offers of one message to a sink that refused it.
const (
	firstRetryPause = 10 * time.Millisecond
	maxRetryPause   = time.Second
)

// handler returns paho's message handler for one connection. paho calls it on one goroutine,
// in arrival order (SetOrderMatters), so while it waits for the sink no further message is
// read: the broker holds them, which is the backpressure a full queue asks for.
func (s *Source) handler(ctx context.Context) mqtt.MessageHandler {
	return func(c mqtt.Client, pm mqtt.Message) {
		// PUBACK only once the hub has kept the message durably (MQTT 3.1.1 §4.3.2: the
		// receiver takes ownership when it sends PUBACK); the sink calls Ack then. Until
		// then the broker holds it, and sends it again on the next connection of this
		// session (§4.4) if the hub goes away first.
		m := ingest.Message{
			Source:    s.cfg.Name,
			Topic:     pm.Topic(),
			Dialect:   s.cfg.Dialect,
			Body:      bytes.Clone(pm.Payload()), // paho's buffer is not ours to keep
			ArrivedAt: time.Now().UTC(),
			Ack:       pm.Ack,
		}
		if !s.deliver(ctx, c, m) {
			// Only QoS 0 messages are lost here, as QoS 0 allows.
			s.log.Debug("message left unacknowledged", "topic", m.Topic, "qos", pm.Qos())
		}
	}
}

// deliver offers m to the sink until it is taken, the connection is gone or ctx is done.
// It reports whether the sink took it.
func (s *Source) deliver(ctx context.Context, c mqtt.Client, m ingest.Message) bool {
	if o, ok := s.sink.(ingest.Offerer); ok {
		if took, _ := o.Offer(m); took { // a refusal is seen again, and logged, below
			return true
		}
	}
	pause := firstRetryPause
	for {
		hctx, cancel := context.WithTimeout(ctx, s.cfg.HandleTimeout)
		err := s.sink.Handle(hctx, m)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil || !c.IsConnectionOpen() {
			return false
		}

		s.logRefusal(m, err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(pause):
		}
		pause = min(pause*2, maxRetryPause)
	}
}

// logRefusal logs a refusing sink at most once per warnEvery. A busy queue is the hub
// falling behind (Warn); any other error is the hub's own failure (Error).
func (s *Source) logRefusal(m ingest.Message, err error) {
	if errors.Is(err, ingest.ErrBusy) {
		s.busyLog.Do(func() {
			s.log.Warn("ingest queue full; holding back MQTT acknowledgements",
				"topic", m.Topic, "err", err)
		})
		return
	}
	s.busyLog.Do(func() {
		s.log.Error("sink refused message; retrying", "topic", m.Topic, "err", err)
	})
}

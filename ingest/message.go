package ingest

import (
	"context"
	"errors"
	"time"
)

// Message is an envelope exactly as a transport received it, before any parsing. Transports
// (MQTT subscriptions, HTTP endpoints) produce Messages; the pipeline parses, counts and keeps
// them, so every outcome is decided in one place.
type Message struct {
	Source      string    // configured source name
	Topic       string    // MQTT topic, or the HTTP path with its query
	ContentType string    // HTTP Content-Type; empty for MQTT
	Event       string    // event type when the transport says it (?event=up); else from Topic
	Dialect     Dialect   // fixed by the source's configuration; DialectUnknown to detect
	Body        []byte    // owned by the Message: the transport must not reuse it
	ArrivedAt   time.Time // when Vindel received it
	// Redecodes, when set, is the archive sequence number of the raw uplink this Message
	// decodes again: it comes from the archive, not a transport, and is no duplicate of it.
	Redecodes uint64
	// Ack, when set, is called once the hub has durably kept the Message (its raw envelope is
	// in the archive), so a transport can acknowledge it only then: an MQTT PUBACK, an HTTP
	// 2xx. It is not called when the hub fails to keep it, and may be called from any
	// goroutine.
	Ack func()
}

// Sink accepts Messages. Handle returns once the Message is queued; it returns ErrBusy when
// the queue stays full past the context's deadline, so a transport can refuse (HTTP 503) or
// hold back its acknowledgement (MQTT QoS 1) instead of losing the message.
type Sink interface {
	Handle(ctx context.Context, m Message) error
}

// Offerer is a Sink that can also take a Message only if it can do so at once. A transport
// that would otherwise give each Handle call a deadline of its own offers first, and pays
// for the deadline only when the sink is full.
type Offerer interface {
	Sink
	// Offer takes m if it can without waiting and reports whether it did. An error means it
	// will not take m however long the caller waits.
	Offer(m Message) (bool, error)
}

// SinkFunc adapts a function to the Sink interface.
type SinkFunc func(ctx context.Context, m Message) error

// Handle calls f(ctx, m).
func (f SinkFunc) Handle(ctx context.Context, m Message) error { return f(ctx, m) }

// ErrBusy is returned by a Sink that cannot take a Message now.
var ErrBusy = errors.New("ingest queue full")

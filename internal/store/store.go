// Package store defines the time-series store of Observations and of the raw uplinks they came
// from. Implementations live in sub-packages and all pass the shared suite in storetest.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// ErrNotFound is returned when an Observation or raw uplink does not exist.
var ErrNotFound = errors.New("not found")

// Store keeps Observations as time series. Writes are batched by the implementation; Append
// returns once the Observations are queued, Flush once everything queued is durable.
type Store interface {
	// Append queues Observations for writing. Their IDs are already assigned and increasing.
	// The store may read obs until the next Flush returns, so the caller leaves it alone
	// until then; the store never changes it. An Observation whose ID is stored already is
	// ignored, so that a replay cannot count it twice.
	Append(ctx context.Context, obs []model.Observation) error
	// Flush blocks until every Observation appended before the call is durable and readable.
	Flush(ctx context.Context) error

	// Get returns one Observation by ID.
	Get(ctx context.Context, id uint64) (model.Observation, error)
	// Range returns Observations of one Datastream by phenomenonTime, with keyset paging.
	Range(ctx context.Context, q RangeQuery) ([]model.Observation, error)
	// Scan returns Observations of all Datastreams by ID (stream offset), with keyset paging.
	Scan(ctx context.Context, q ScanQuery) ([]model.Observation, error)
	// Count returns how many Observations a Datastream has between two times; zero times mean
	// unbounded. A zero DatastreamID counts every Datastream.
	Count(ctx context.Context, datastreamID int64, from, to time.Time) (int64, error)
	// Latest returns the newest Observation (by phenomenonTime) of each Datastream that has one.
	Latest(ctx context.Context) (map[int64]model.Observation, error)
	// LastID returns the highest Observation ID stored, or 0 when the store is empty.
	LastID(ctx context.Context) (uint64, error)

	// Close flushes and releases the store.
	Close() error
}

// RangeQuery selects Observations of one Datastream by phenomenonTime.
type RangeQuery struct {
	DatastreamID int64
	From, To     time.Time // inclusive From, exclusive To; zero means unbounded
	Desc         bool      // newest first
	After        *Cursor   // continue after this position (keyset paging)
	Limit        int       // at most this many; 0 means no limit
}

// Cursor is a position in a Datastream's series: the last Observation a page returned.
type Cursor struct {
	Time time.Time
	ID   uint64
}

// ScanQuery selects Observations of every Datastream by ID.
type ScanQuery struct {
	AfterID uint64 // exclusive: start after this ID (ascending) or before it (descending)
	Desc    bool
	Limit   int
}

// Outcome is what became of an uplink. Every uplink gets exactly one.
type Outcome string

// The outcomes, also the values of the outcome label on the uplink counter.
const (
	OutcomeDecoded       Outcome = "decoded"
	OutcomeUnknownDevice Outcome = "unknown_device"
	OutcomeDecodeError   Outcome = "decode_error"
	OutcomeDuplicate     Outcome = "duplicate"
	OutcomeMalformed     Outcome = "malformed"
	OutcomeNoProfile     Outcome = "no_profile"
	// OutcomeStoreError: decoded, but the store refused the Observations; the raw uplink is
	// kept so it can be decoded again.
	OutcomeStoreError Outcome = "store_error"
)

// RawUplink is an uplink as it arrived, kept for audit and for re-decoding after a profile is
// fixed. Envelope holds the bytes exactly as received.
type RawUplink struct {
	Seq        uint64 // assigned by the archive, increasing
	ReceivedAt time.Time
	Source     string
	Topic      string // MQTT topic or HTTP path
	DevEUI     string // empty when it could not be read
	DedupKey   string
	Outcome    Outcome
	Detail     string // the error, for outcomes other than decoded
	Envelope   []byte
}

// Archive keeps raw uplinks.
type Archive interface {
	// Keep stores raw uplinks, in one write, and returns the sequence number of the last;
	// the others have the numbers just below it, in order. They are readable at once and
	// durable once a Flush that started after Keep returned has returned.
	Keep(ctx context.Context, rs ...RawUplink) (uint64, error)
	// Raw returns raw uplinks after seq, oldest first; devEUI, when set, selects one device.
	// A limit of 0 means no limit.
	Raw(ctx context.Context, devEUI string, afterSeq uint64, limit int) ([]RawUplink, error)
	// Since returns the dedup keys of uplinks kept at or after t (by ReceivedAt, which Keep
	// sets to now when it is zero), oldest first, to rebuild the de-duplication window after
	// a restart. Empty keys are left out.
	Since(ctx context.Context, t time.Time) ([]string, error)
}

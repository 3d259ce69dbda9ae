// Package codec turns the bytes of an uplink into the object the device's vendor documents.
// Each payload family has a Decoder in a sub-package; firmware profiles pick one by name.
package codec

import (
	"errors"
	"time"
)

// Input is what a decoder is given, after the decodeUplink contract shared by The Things Stack
// and ChirpStack v4 (ingest/formats.md §2.3, §3.4).
type Input struct {
	FPort      uint8
	Bytes      []byte
	ReceivedAt time.Time
	Variables  map[string]string // device variables, from the profile or the registry
}

// Output is a decoded uplink: the vendor's object, with the same keys and nesting as the
// vendor's own decoder returns in its "data" member, and any warnings.
//
// Values are float64, string, bool, []any or map[string]any, as encoding/json would decode
// the vendor decoder's JSON output, so that test vectors compare directly.
type Output struct {
	Data     map[string]any
	Warnings []string
}

// Decoder decodes the payloads of one family of devices. It must be safe for concurrent use
// and must not keep a reference to in.Bytes.
type Decoder interface {
	Decode(in Input) (Output, error)
}

// DecoderFunc adapts a function to the Decoder interface.
type DecoderFunc func(in Input) (Output, error)

// Decode calls f(in).
func (f DecoderFunc) Decode(in Input) (Output, error) { return f(in) }

// Errors a decoder returns, wrapped with detail. The pipeline counts them alike, as decode
// errors; tests branch on them.
var (
	// ErrUnknownFPort: the payload came on a port the decoder has no format for.
	ErrUnknownFPort = errors.New("unknown FPort")
	// ErrTruncated: the payload ended inside a record.
	ErrTruncated = errors.New("payload truncated")
	// ErrInvalid: the payload breaks the format (an unknown type byte, a bad version).
	ErrInvalid = errors.New("invalid payload")
)

// Package jsonfield holds what the envelope parsers (ingest/chirpstack, ingest/tts) share: a
// Reader that decodes JSON without reflection, and lenient conversions of the fields the
// dialects write in different ways (base64 payloads, EUIs in hex or base64, timestamps,
// numbers as strings).
package jsonfield

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vindel-hub/vindel/ingest"
)

// ObjectString parses s, a string holding a JSON object (ChirpStack v3 objectJSON). Anything
// else, including "" and broken JSON, gives nil: the decoded object is informative only.
func ObjectString(s string) map[string]any {
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return nil
	}
	r := NewReader([]byte(s))
	m := r.ObjectValue()
	if r.End(); r.Err() != nil {
		return nil
	}
	return m
}

// maxEncoded bounds the base64 text tried before decoding, so a huge string is refused
// without allocating for it. It leaves room for the line breaks the decoder skips.
var maxEncoded = 2 * base64.StdEncoding.EncodedLen(ingest.MaxPayload)

// Payload decodes a base64 FRMPayload, padded or not (RFC 4648 §4, §3.2), enforcing
// ingest.MaxPayload. nil stays nil. Broken base64 wraps ingest.ErrBadPayload, more than
// MaxPayload decoded bytes ingest.ErrOversized.
func Payload(s []byte) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	if len(s) > maxEncoded {
		return nil, fmt.Errorf("%w: %d base64 characters", ingest.ErrOversized, len(s))
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 && bytes.IndexByte(s, '=') < 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ingest.ErrBadPayload, err)
	}
	if n > ingest.MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes", ingest.ErrOversized, n)
	}
	return out[:n], nil
}

// EUI returns an EUI-64 as 16 lower-case hex digits. It takes hex (any case, with the
// separators ingest.NormalizeDevEUI accepts) or the base64 of 8 bytes that the protobuf JSON
// mapping writes for bytes fields (ChirpStack v3 "json"). Errors wrap ingest.ErrNoDevEUI.
func EUI(s string) (string, error) {
	if len(s) == 12 && strings.HasSuffix(s, "=") {
		var b [9]byte
		n, err := base64.StdEncoding.Decode(b[:], []byte(s))
		if err != nil || n != 8 {
			return "", fmt.Errorf("%w: %q is not the base64 of 8 bytes", ingest.ErrNoDevEUI, s)
		}
		return hex.EncodeToString(b[:8]), nil
	}
	if len(s) == 16 {
		if eui, ok := lowerHex(s); ok {
			return eui, nil
		}
	}
	return ingest.NormalizeDevEUI(s) // separators, and the error
}

// lowerHex returns s in lower case if it is all hex digits: the common case of EUI, kept
// free of the allocations of ingest.NormalizeDevEUI.
func lowerHex(s string) (string, bool) {
	var b [16]byte
	if len(s) > len(b) {
		return "", false
	}
	lower := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
			lower = false
		default:
			return "", false
		}
		b[i] = c
	}
	if lower {
		return s, true
	}
	return string(b[:len(s)]), true
}

// GatewayID returns a gateway's EUI as lower-case hex when s is one (hex or base64), and s
// unchanged otherwise: gateway IDs are informative and some servers use names.
func GatewayID(s string) string {
	if id, err := EUI(s); err == nil {
		return id
	}
	return s
}

// Time parses an RFC 3339 timestamp into UTC. Empty or unparsable text gives the zero time:
// reception times are metadata, and a bad one must not cost the uplink.
func Time(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// FPort checks that v fits a LoRaWAN FPort (LoRaWAN 1.0.4 §4.3.2: one octet).
func FPort(v uint64) (uint8, error) {
	if v > math.MaxUint8 {
		return 0, fmt.Errorf("%w: fPort %d out of range", ingest.ErrMalformed, v)
	}
	return uint8(v), nil
}

// FCnt checks that v fits the 32-bit uplink frame counter (LoRaWAN 1.0.4 §4.3.1.5).
func FCnt(v uint64) (uint32, error) {
	if v > math.MaxUint32 {
		return 0, fmt.Errorf("%w: fCnt %d out of range", ingest.ErrMalformed, v)
	}
	return uint32(v), nil
}

// RSSI rounds a signal strength in dBm to the int Uplink keeps (TTS sends floats), bounded so
// that a nonsense value cannot overflow.
func RSSI(v float64) int {
	const limit = 1000
	switch {
	case v > limit:
		return limit
	case v < -limit:
		return -limit
	}
	return int(math.Round(v))
}

// Int converts a radio number (data rate, spreading factor, bandwidth), which is small,
// without overflow on nonsense input.
func Int(v uint64) int {
	const limit = math.MaxInt32
	if v > limit {
		return limit
	}
	return int(v)
}

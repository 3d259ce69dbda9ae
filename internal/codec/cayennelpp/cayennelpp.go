// Package cayennelpp decodes Cayenne Low Power Payload (myDevices LPP), whatever the fPort,
// into the object ChirpStack v3 returns for it: {"<typeName>": {"<channel>": value}}, with
// three-axis and GPS values as objects (ingest/formats.md §6.1).
//
// Two decoders are offered. "cayennelpp" knows the base type table of the LPP 1.0 spec
// (the IPSO object IDs minus 3200) and rejects any other type, as ChirpStack v3 does.
// "cayennelpp-extended" also knows the extension types ChirpStack v4 decodes, with its
// names (chirpstack/chirpstack, chirpstack/src/codec/cayenne_lpp.rs): generic sensor,
// voltage, current, frequency, percentage, altitude, concentration, power, distance,
// energy, direction, Unix time, colour and switch. Their sizes, scales and signedness agree
// with the table of the ElectronicCats CayenneLPP library (src/CayenneLPP.h) for every type
// both define; one ElectronicCats release numbers ppm and RGB colour 143 and 144 instead
// of 125 and 135, and those codes are not accepted.
package cayennelpp

import (
	"fmt"
	"strconv"

	"github.com/vindel-hub/vindel/internal/codec"
)

// lppType is one LPP data type: its output key, its value size and how the value decodes.
type lppType struct {
	name   string
	size   int
	decode func(b []byte) any
}

// decoder decodes LPP with one type table.
type decoder struct {
	types *[256]*lppType
}

// Decoders returns the package's decoders by the name firmware profiles use:
// "cayennelpp" (base types) and "cayennelpp-extended" (base and extension types).
func Decoders() map[string]codec.Decoder {
	return map[string]codec.Decoder{
		"cayennelpp":          decoder{types: &baseTable},
		"cayennelpp-extended": decoder{types: &extendedTable},
	}
}

// channels holds the channel keys, so decoding does not format them.
var channels = func() (c [256]string) {
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}()

// Decode reads [channel:1][type:1][value:size] records until the payload ends
// (LPP 1.0: all multi-byte values big-endian). A repeated type and channel keeps the last
// value, as ChirpStack does, with a warning.
func (d decoder) Decode(in codec.Input) (codec.Output, error) {
	b := in.Bytes
	out := codec.Output{Data: make(map[string]any, 4)}
	for pos := 0; pos < len(b); {
		if pos+2 > len(b) {
			return codec.Output{}, fmt.Errorf("cayennelpp: record header at byte %d: %w",
				pos, codec.ErrTruncated)
		}
		ch, typ := b[pos], b[pos+1]
		t := d.types[typ]
		if t == nil {
			return codec.Output{}, fmt.Errorf("cayennelpp: data type %d at byte %d: %w",
				typ, pos+1, codec.ErrInvalid)
		}
		pos += 2
		if pos+t.size > len(b) {
			return codec.Output{}, fmt.Errorf("cayennelpp: %s needs %d bytes at byte %d of %d: %w",
				t.name, t.size, pos, len(b), codec.ErrTruncated)
		}
		byChannel, _ := out.Data[t.name].(map[string]any)
		if byChannel == nil {
			byChannel = make(map[string]any, 2)
			out.Data[t.name] = byChannel
		}
		key := channels[ch]
		if _, dup := byChannel[key]; dup {
			out.Warnings = append(out.Warnings,
				fmt.Sprintf("%s channel %d repeated; last value kept", t.name, ch))
		}
		byChannel[key] = t.decode(b[pos : pos+t.size])
		pos += t.size
	}
	return out, nil
}

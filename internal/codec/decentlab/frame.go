package decentlab

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/vindel-hub/vindel/internal/codec"
)

// protocolVersion is the only frame version the DL- family sends today.
const protocolVersion = 2

// headerLen is version (1 byte) + device ID (2) + sensor-present flags (2).
const headerLen = 5

// versionAny is the protocol version as output, boxed once.
var versionAny any = float64(protocolVersion)

// maxWords bounds a sensor's word count, so a decode reads into a stack array.
const maxWords = 32

// decoder decodes the uplinks of one model.
type decoder struct {
	m *model
}

// Decode parses a protocol version 2 frame: the version byte, the 16-bit device ID and the
// 16-bit sensor-present flags, all big-endian, then for each set flag (least significant bit
// first, bit i meaning sensor i of the model's table) that sensor's 16-bit words. The fPort is
// not looked at: the vendor's decoders ignore it too.
func (d decoder) Decode(in codec.Input) (codec.Output, error) {
	b := in.Bytes
	if len(b) > 0 && b[0] != protocolVersion {
		return codec.Output{}, fmt.Errorf("decentlab %s: protocol version %d doesn't match v2: %w",
			d.m.name, b[0], codec.ErrInvalid)
	}
	if len(b) < headerLen {
		return codec.Output{}, fmt.Errorf("decentlab %s: %d bytes, header needs %d: %w",
			d.m.name, len(b), headerLen, codec.ErrTruncated)
	}
	p, err := d.m.resolveParams(in.Variables)
	if err != nil {
		return codec.Output{}, err
	}

	flags := binary.BigEndian.Uint16(b[3:5])
	out := codec.Output{Data: make(map[string]any, 2+d.m.countValues(flags))}
	out.Data["protocol_version"] = versionAny
	out.Data["device_id"] = float64(binary.BigEndian.Uint16(b[1:3]))

	pos := headerLen
	for i := range d.m.sensors {
		if flags&(1<<i) == 0 {
			continue
		}
		if pos, err = d.decodeSensor(&out, i, b, pos, p); err != nil {
			return codec.Output{}, err
		}
	}

	if flags>>len(d.m.sensors) != 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"flags 0x%04x set bits beyond the %d sensors of %s; ignored",
			flags, len(d.m.sensors), d.m.name))
	}
	if pos < len(b) {
		out.Warnings = append(out.Warnings,
			strconv.Itoa(len(b)-pos)+" trailing bytes ignored")
	}
	return out, nil
}

// decodeSensor reads sensor i's words at pos and stores its values; it returns the position
// after the words.
func (d decoder) decodeSensor(out *codec.Output, i int, b []byte, pos int,
	p []float64) (int, error) {
	s := &d.m.sensors[i]
	end := pos + 2*s.words
	if end > len(b) {
		return 0, fmt.Errorf("decentlab %s: sensor %d needs bytes %d..%d of %d: %w",
			d.m.name, i, pos, end, len(b), codec.ErrTruncated)
	}

	var buf [maxWords]float64
	x := buf[:s.words]
	for j := range x {
		x[j] = float64(binary.BigEndian.Uint16(b[pos+2*j:]))
	}

	for j := range s.values {
		v := &s.values[j]
		out.Data[v.name] = v.entry(v.f(x, p), out)
	}
	return end, nil
}

// entry builds the vendor's {displayName, unit, value} object. A value that is not finite
// (a division by a zero word) becomes null, as JSON.stringify writes the vendor decoder's
// NaN and Infinity, and is reported in a warning.
func (v *value) entry(f float64, out *codec.Output) map[string]any {
	e := make(map[string]any, 3)
	e["displayName"] = v.displayAny
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e["value"] = nil
		out.Warnings = append(out.Warnings, v.name+" is not a finite number")
	} else {
		e["value"] = f
	}
	switch v.unitKind {
	case unitSet:
		e["unit"] = v.unitAny
	case unitNull:
		e["unit"] = nil
	}
	return e
}

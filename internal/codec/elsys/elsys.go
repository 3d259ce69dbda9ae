// Package elsys decodes the payload format shared by every Elsys LoRaWAN sensor (ERS, ERS CO2,
// ERS Sound, ERS Eye, EMS, ELT, ...): a sequence of records, each one type byte followed by a
// value of a fixed size for that type.
//
// Sources read (formats only, no code copied): the Elsys "Sensor payload" document
// (elsys.se/public/documents/Sensor_payload.pdf) with its type table, the vendor's published
// "ELSYS simple payload decoder" (elsys.se/en/elsys-payload, also vendor/elsys/elsys.js in
// TheThingsNetwork/lorawan-devices) for the output key names, and the vendor's NFC settings
// specification (elsys.se/en/elsys-nfc-settings-specification) for the port setting.
//
// Covered types (key names as the vendor decoder returns them):
//
//	0x01 temperature          int16 /10 °C      0x11 occupancy             uint8
//	0x02 humidity             uint8 %RH         0x12 waterleak             uint8
//	0x03 x, y, z              3 × int8, 63 = 1G 0x13 grideye              ref + 64 × uint8/10 °C
//	0x04 light                uint16 lux        0x14 pressure              uint32 /1000 hPa
//	0x05 motion               uint8 count       0x15 soundPeak, soundAvg   2 × uint8 dB
//	0x06 co2                  uint16 ppm        0x16 pulse2                uint16
//	0x07 vdd                  uint16 mV         0x17 pulseAbs2             uint32
//	0x08 analog1              uint16 mV         0x18 analog2               uint16 mV
//	0x09 lat, long            2 × int24 LE /1e4 0x19 externalTemperature2  int16 /10 °C *
//	0x0A pulse1               uint16            0x1A digital2              uint8
//	0x0B pulseAbs             uint32            0x1B analogUv              int32 µV
//	0x0C externalTemperature  int16 /10 °C      0x1C tvoc                  uint16 ppb
//	0x0D digital              uint8             0x3D debug (4 bytes, skipped)
//	0x0E distance             uint16 mm         0x3E sensor settings (not decoded, see below)
//	0x0F accMotion            uint8 count
//	0x10 irInternalTemperature, irExternalTemperature   2 × int16 /10 °C
//
// * externalTemperature2 becomes a list when a payload holds the type more than once, as the
// vendor decoder does. Any other repeated type keeps its last value.
//
// Where this decoder parts from the vendor's JavaScript, on purpose: 32-bit counters
// (pulseAbs, pulseAbs2) and pressure are read unsigned, as the type table documents, where
// the script's bit operations turn values ≥ 2^31 negative; a record cut short is an error
// wrapping codec.ErrTruncated instead of NaN values. An unknown type byte (including one with
// the two high bits set) ends the parse like in the vendor decoder: what was decoded before it
// is returned with a warning, or codec.ErrInvalid if nothing was. A 0x3E settings record has
// a variable length, so it also ends the parse, with a warning. The GPS record follows the
// current vendor decoder (little-endian, signed, 1/10000 degree); an older version of it
// returned the raw big-endian 24-bit numbers.
package elsys

import (
	"fmt"

	"github.com/vindel-hub/vindel/internal/codec"
)

// mapHint sizes the output object: one map group holds eight keys, which most uplinks fit.
const mapHint = 8

// Decoders returns the package's decoders by the name firmware profiles use.
func Decoders() map[string]codec.Decoder {
	return map[string]codec.Decoder{"elsys": decoder{}}
}

// decoder decodes the Elsys payload. It has no state, so it is safe for concurrent use.
type decoder struct{}

// Decode decodes one uplink. Elsys sensors send on a configurable port (the NFC setting
// "Port", 5 by default) and the settings record on port+1, so any port but 0 (MAC commands,
// LoRaWAN 1.0.4 §4.3.2) is accepted.
func (decoder) Decode(in codec.Input) (codec.Output, error) {
	if in.FPort == 0 {
		return codec.Output{}, fmt.Errorf("elsys: fPort 0 carries MAC commands: %w",
			codec.ErrUnknownFPort)
	}
	b := in.Bytes
	if len(b) == 0 {
		return codec.Output{}, fmt.Errorf("elsys: empty payload: %w", codec.ErrTruncated)
	}

	out := codec.Output{Data: make(map[string]any, min(len(b)/2, mapHint))}
	for i := 0; i < len(b); {
		t := b[i]
		r := lookup(t)
		if r == nil {
			return stop(out, fmt.Sprintf("unknown type 0x%02x at byte %d: rest of payload "+
				"not decoded", t, i))
		}
		if r.settings {
			return stop(out, fmt.Sprintf("sensor settings record (0x3e) at byte %d not decoded",
				i))
		}
		end := i + 1 + r.size
		if end > len(b) {
			return codec.Output{}, fmt.Errorf("elsys: type 0x%02x at byte %d needs %d bytes, "+
				"%d left: %w", t, i, r.size, len(b)-i-1, codec.ErrTruncated)
		}
		if r.decode != nil {
			r.decode(b[i+1:end], out.Data)
		}
		i = end
	}
	return out, nil
}

// stop ends a parse early: the data decoded so far with a warning, or an error if there is
// none.
func stop(out codec.Output, why string) (codec.Output, error) {
	if len(out.Data) == 0 {
		return codec.Output{}, fmt.Errorf("elsys: %s: %w", why, codec.ErrInvalid)
	}
	out.Warnings = append(out.Warnings, why)
	return out, nil
}

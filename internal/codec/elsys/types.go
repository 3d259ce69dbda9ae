package elsys

import "encoding/binary"

// record describes one type of the Elsys type table: the size of its value and how to put it
// into the output object. decode is nil for a type that is read past without output.
type record struct {
	size     int
	settings bool // 0x3E: variable length, ends the parse
	decode   func(v []byte, d map[string]any)
}

// gridEyePixels is the number of pixel temperatures in a 0x13 Grid-EYE record.
const gridEyePixels = 64

// records is the type table (Sensor_payload.pdf, "Sensor data" types), indexed by type byte.
var records = [...]record{
	0x01: {size: 2, decode: tenths("temperature")},
	0x02: {size: 1, decode: uint8Key("humidity")},
	0x03: {size: 3, decode: acceleration},
	0x04: {size: 2, decode: uint16Key("light")},
	0x05: {size: 1, decode: uint8Key("motion")},
	0x06: {size: 2, decode: uint16Key("co2")},
	0x07: {size: 2, decode: uint16Key("vdd")},
	0x08: {size: 2, decode: uint16Key("analog1")},
	0x09: {size: 6, decode: gps},
	0x0A: {size: 2, decode: uint16Key("pulse1")},
	0x0B: {size: 4, decode: uint32Key("pulseAbs")},
	0x0C: {size: 2, decode: tenths("externalTemperature")},
	0x0D: {size: 1, decode: uint8Key("digital")},
	0x0E: {size: 2, decode: uint16Key("distance")},
	0x0F: {size: 1, decode: uint8Key("accMotion")},
	0x10: {size: 4, decode: irTemperature},
	0x11: {size: 1, decode: uint8Key("occupancy")},
	0x12: {size: 1, decode: uint8Key("waterleak")},
	0x13: {size: 1 + gridEyePixels, decode: gridEye},
	0x14: {size: 4, decode: pressure},
	0x15: {size: 2, decode: sound},
	0x16: {size: 2, decode: uint16Key("pulse2")},
	0x17: {size: 4, decode: uint32Key("pulseAbs2")},
	0x18: {size: 2, decode: uint16Key("analog2")},
	0x19: {size: 2, decode: externalTemperature2},
	0x1A: {size: 1, decode: uint8Key("digital2")},
	0x1B: {size: 4, decode: analogUv},
	0x1C: {size: 2, decode: uint16Key("tvoc")},
	0x3D: {size: 4}, // debug information, not part of the measurement
	0x3E: {settings: true},
}

// lookup returns the record of type t, or nil if the table has none.
func lookup(t byte) *record {
	if int(t) >= len(records) {
		return nil
	}
	r := &records[t]
	if r.decode == nil && r.size == 0 && !r.settings {
		return nil
	}
	return r
}

// All multi-byte values are big-endian (Sensor_payload.pdf).

func u16(v []byte) uint16 { return binary.BigEndian.Uint16(v) }

func s16(v []byte) float64 { return float64(int16(u16(v))) }

func uint8Key(key string) func([]byte, map[string]any) {
	return func(v []byte, d map[string]any) { d[key] = float64(v[0]) }
}

func uint16Key(key string) func([]byte, map[string]any) {
	return func(v []byte, d map[string]any) { d[key] = float64(u16(v)) }
}

func uint32Key(key string) func([]byte, map[string]any) {
	return func(v []byte, d map[string]any) { d[key] = float64(binary.BigEndian.Uint32(v)) }
}

// tenths is a signed 16-bit value in 0.1 units (temperatures).
func tenths(key string) func([]byte, map[string]any) {
	return func(v []byte, d map[string]any) { d[key] = s16(v) / 10 }
}

func acceleration(v []byte, d map[string]any) {
	d["x"] = float64(int8(v[0]))
	d["y"] = float64(int8(v[1]))
	d["z"] = float64(int8(v[2]))
}

// gps reads latitude then longitude, each a signed 24-bit little-endian number of 1/10000
// degree, as the vendor's current decoder does.
func gps(v []byte, d map[string]any) {
	d["lat"] = float64(int24LE(v[0:3])) / 10000
	d["long"] = float64(int24LE(v[3:6])) / 10000
}

func int24LE(v []byte) int32 {
	u := uint32(v[0]) | uint32(v[1])<<8 | uint32(v[2])<<16
	return int32(u<<8) >> 8 // sign-extend bit 23
}

func irTemperature(v []byte, d map[string]any) {
	d["irInternalTemperature"] = s16(v[0:2]) / 10
	d["irExternalTemperature"] = s16(v[2:4]) / 10
}

// gridEye is a reference temperature byte followed by 64 pixels, each ref + pixel/10 °C.
func gridEye(v []byte, d map[string]any) {
	ref := float64(v[0])
	px := make([]any, gridEyePixels)
	for j := range px {
		px[j] = ref + float64(v[1+j])/10
	}
	d["grideye"] = px
}

func pressure(v []byte, d map[string]any) {
	d["pressure"] = float64(binary.BigEndian.Uint32(v)) / 1000
}

func sound(v []byte, d map[string]any) {
	d["soundPeak"] = float64(v[0])
	d["soundAvg"] = float64(v[1])
}

func analogUv(v []byte, d map[string]any) {
	d["analogUv"] = float64(int32(binary.BigEndian.Uint32(v)))
}

// externalTemperature2 is a number the first time and a list once the type repeats.
func externalTemperature2(v []byte, d map[string]any) {
	t := s16(v) / 10
	switch prev := d["externalTemperature2"].(type) {
	case float64:
		d["externalTemperature2"] = []any{prev, t}
	case []any:
		d["externalTemperature2"] = append(prev, t)
	default:
		d["externalTemperature2"] = t
	}
}

package elsys

import (
	"errors"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func decodeHex(t *testing.T, port uint8, h string) (codec.Output, error) {
	t.Helper()
	return Decoders()["elsys"].Decode(codec.Input{FPort: port, Bytes: codectest.Hex(t, h)})
}

func TestVectors(t *testing.T) {
	dec := Decoders()["elsys"]
	for _, v := range codectest.Vectors(t, codectest.TTNVectors, codectest.Vendor("elsys")) {
		t.Run(v.Device+"/"+v.Description, func(t *testing.T) {
			codectest.CheckVector(t, dec, v.Input(t), v)
		})
	}
}

// pixels returns the hex of a Grid-EYE record body: the reference byte and 64 equal pixels.
func pixels(ref, px string) string { return ref + strings.Repeat(px, gridEyePixels) }

// gridWant is 64 times v.
func gridWant(v float64) []any {
	out := make([]any, gridEyePixels)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestTypes covers the types the vectors do not; each expected value is worked out by hand
// from the type table (big-endian, the scale in the package comment).
func TestTypes(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want map[string]any
	}{
		{"acceleration int8 x3, vdd and analog1 uint16 (0x0E10=3600, 0x01F4=500)",
			"03 FF 3F 01 07 0E 10 08 01 F4",
			map[string]any{"x": -1.0, "y": 63.0, "z": 1.0, "vdd": 3600.0, "analog1": 500.0}},
		{"negative temperature 0xFF38=-200 and external 0xFFF6=-10, /10",
			"01 FF 38 0C FF F6",
			map[string]any{"temperature": -20.0, "externalTemperature": -1.0}},
		{"gps little-endian int24 /10000: 0x002710=1.0, 0xFFD8F0=-1.0",
			"09 10 27 00 F0 D8 FF",
			map[string]any{"lat": 1.0, "long": -1.0}},
		{"pulse1 5, pulseAbs 0x80000001 read unsigned",
			"0A 00 05 0B 80 00 00 01",
			map[string]any{"pulse1": 5.0, "pulseAbs": 2147483649.0}},
		{"digital, distance 0x04D2=1234 mm, accMotion",
			"0D 01 0E 04 D2 0F 03",
			map[string]any{"digital": 1.0, "distance": 1234.0, "accMotion": 3.0}},
		{"IR temperature 0x00FA=25.0 internal, 0xFF9C=-10.0 external",
			"10 00 FA FF 9C",
			map[string]any{"irInternalTemperature": 25.0, "irExternalTemperature": -10.0}},
		{"occupancy and waterleak",
			"11 02 12 64",
			map[string]any{"occupancy": 2.0, "waterleak": 100.0}},
		{"grideye ref 0x14=20 plus pixel 0x05/10",
			"13 " + pixels("14", "05"),
			map[string]any{"grideye": gridWant(20.5)}},
		{"pressure 0x000F6B48=1010504 /1000",
			"14 00 0F 6B 48",
			map[string]any{"pressure": 1010.504}},
		{"pulse2 10, pulseAbs2 256, analog2 0x0BB8=3000",
			"16 00 0A 17 00 00 01 00 18 0B B8",
			map[string]any{"pulse2": 10.0, "pulseAbs2": 256.0, "analog2": 3000.0}},
		{"externalTemperature2 once is a number",
			"19 00 E2",
			map[string]any{"externalTemperature2": 22.6}},
		{"externalTemperature2 repeated becomes a list",
			"19 00 E2 19 00 A3 19 FF F6",
			map[string]any{"externalTemperature2": []any{22.6, 16.3, -1.0}}},
		{"digital2, analogUv int32 0xFFFFFF9C=-100, tvoc 0x012C=300",
			"1A 00 1B FF FF FF 9C 1C 01 2C",
			map[string]any{"digital2": 0.0, "analogUv": -100.0, "tvoc": 300.0}},
		{"debug record is read past",
			"3D 01 02 03 04 01 00 E2",
			map[string]any{"temperature": 22.6}},
		{"repeated type keeps the last value",
			"02 10 02 20",
			map[string]any{"humidity": 32.0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, 5, tc.hex)
			codectest.CheckOutput(t, out, err, tc.want, 0)
		})
	}
}

func TestStops(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want map[string]any
	}{
		{"unknown type after a record", "01 00 E2 20 00 11", map[string]any{"temperature": 22.6}},
		{"settings record", "01 00 E2 3E 07 01 02", map[string]any{"temperature": 22.6}},
		{"type byte with the two high bits set", "02 29 41 00 E2",
			map[string]any{"humidity": 41.0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, 5, tc.hex)
			codectest.CheckOutput(t, out, err, tc.want, 1)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		port uint8
		hex  string
		want error
	}{
		{"fPort 0", 0, "01 00 E2", codec.ErrUnknownFPort},
		{"empty", 5, "", codec.ErrTruncated},
		{"temperature cut short", 5, "01 00", codec.ErrTruncated},
		{"co2 cut short after a full record", 5, "01 00 E2 06 03", codec.ErrTruncated},
		{"grideye cut short", 5, "13 14 05 05", codec.ErrTruncated},
		{"type byte alone", 5, "07", codec.ErrTruncated},
		{"unknown type first", 5, "FF 00", codec.ErrInvalid},
		{"reserved type 0x00", 5, "00 01 00 E2", codec.ErrInvalid},
		{"settings first", 5, "3E 01 02", codec.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, tc.port, tc.hex)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got err %v data %v", tc.want, err, out.Data)
			}
		})
	}
}

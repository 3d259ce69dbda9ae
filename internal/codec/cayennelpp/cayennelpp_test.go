package cayennelpp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

// TestVectors runs every shared vector through both decoders, on a few fPorts: LPP does
// not depend on the port.
func TestVectors(t *testing.T) {
	for name, d := range Decoders() {
		for _, v := range codectest.Vectors(t, codectest.LPPVectors, nil) {
			for _, port := range []uint8{1, 2, 99} {
				t.Run(fmt.Sprintf("%s/%s/port%d", name, v.Description, port), func(t *testing.T) {
					in := codec.Input{FPort: port, Bytes: v.Bytes(t)}
					codectest.CheckVector(t, d, in, v)
				})
			}
		}
	}
}

// TestExtended checks each extension type against values worked out by hand from the
// type table: size, scale and sign.
func TestExtended(t *testing.T) {
	tests := []struct {
		name, hex string
		want      map[string]any
	}{
		{"generic sensor u32", "0164 fffefdfc", obj("genericSensor", "1", 4294901244.0)},
		{"voltage 0.01 V", "0274 0141", obj("voltage", "2", 3.21)},
		{"current 0.001 A", "0375 fffd", obj("current", "3", 65.533)},
		{"frequency 1 Hz", "0476 000186a0", obj("frequency", "4", 100000.0)},
		{"percentage", "0578 64", obj("percentage", "5", 100.0)},
		{"altitude signed", "0679 fffb", obj("altitude", "6", -5.0)},
		{"concentration ppm", "077d 0190", obj("concentration", "7", 400.0)},
		{"power W", "0880 fefd", obj("power", "8", 65277.0)},
		{"distance 0.001 m", "0982 01020304", obj("distance", "9", 16909.06)},
		{"energy 0.001 kWh", "0a83 0000000c", obj("energy", "10", 0.012)},
		{"direction", "0b84 0168", obj("direction", "11", 360.0)},
		{"unix time", "0c85 65920080", obj("unixtime", "12", 1704067200.0)},
		{"colour", "0d87 6496c8", obj("colour", "13",
			map[string]any{"r": 100.0, "g": 150.0, "b": 200.0})},
		{"switch", "0e8e 01", obj("switch", "14", 1.0)},
	}
	ext := Decoders()["cayennelpp-extended"]
	base := Decoders()["cayennelpp"]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := codec.Input{Bytes: codectest.Hex(t, tt.hex)}
			out, err := ext.Decode(in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			codectest.Equal(t, "data", codectest.JSON(t, out.Data), tt.want)
			if _, err := base.Decode(in); !errors.Is(err, codec.ErrInvalid) {
				t.Errorf("base decoder: error %v, want ErrInvalid", err)
			}
		})
	}
}

func obj(typ, ch string, v any) map[string]any {
	return map[string]any{typ: map[string]any{ch: v}}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, hex string
		want      error
	}{
		{"unknown type", "01ff00", codec.ErrInvalid},
		{"type 143 is not concentration", "018f0190", codec.ErrInvalid},
		{"lone channel byte", "0167ffd701", codec.ErrTruncated},
		{"value cut", "0167ff", codec.ErrTruncated},
		{"gps cut", "018806765ff2960a0003", codec.ErrTruncated},
		{"accelerometer cut", "037100010002", codec.ErrTruncated},
	}
	for name, d := range Decoders() {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				_, err := d.Decode(codec.Input{Bytes: codectest.Hex(t, tt.hex)})
				if !errors.Is(err, tt.want) {
					t.Fatalf("error %v, want %v", err, tt.want)
				}
			})
		}
	}
}

func TestEmptyAndRepeated(t *testing.T) {
	d := Decoders()["cayennelpp"]
	out, err := d.Decode(codec.Input{})
	if err != nil || len(out.Data) != 0 {
		t.Fatalf("empty payload: %v, %v", out.Data, err)
	}

	out, err = d.Decode(codec.Input{Bytes: codectest.Hex(t, "0367 0110 0367 00ff")})
	if err != nil {
		t.Fatal(err)
	}
	want := obj("temperatureSensor", "3", 25.5)
	codectest.Equal(t, "data", codectest.JSON(t, out.Data), want)
	if len(out.Warnings) != 1 {
		t.Errorf("warnings %q, want one for the repeated channel", out.Warnings)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range codectest.Vectors(f, codectest.LPPVectors, nil) {
		f.Add(v.Bytes(f), true)
	}
	f.Add(codectest.Hex(f, "0d87 6496c8 0164 fffefdfc"), true)
	decs := Decoders()
	f.Fuzz(func(t *testing.T, b []byte, extended bool) {
		d := decs["cayennelpp"]
		if extended {
			d = decs["cayennelpp-extended"]
		}
		codectest.CheckDecode(t, d, codec.Input{Bytes: b}, codec.ErrTruncated, codec.ErrInvalid)
	})
}

func BenchmarkDecode(b *testing.B) {
	d := Decoders()["cayennelpp"]
	// Temperature, humidity, barometer and GPS: a typical weather node.
	payload := codectest.Hex(b, "0167ffd7 026829 0373041f 018806765ff2960a0003e8")
	in := codec.Input{FPort: 1, Bytes: payload}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

package cayennelpp

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
)

type vector struct {
	Description string         `json:"description"`
	BytesHex    string         `json:"bytes_hex"`
	Expected    map[string]any `json:"expected"`
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open("../../../testdata/cayennelpp-vectors.jsonl")
	if err != nil {
		t.Fatalf("open vectors: %v", err)
	}
	defer f.Close()

	var vs []vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no Cayenne LPP vectors found")
	}
	return vs
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectors runs every shared vector through both decoders, on a few fPorts: LPP does
// not depend on the port.
func TestVectors(t *testing.T) {
	for name, d := range Decoders() {
		for _, v := range loadVectors(t) {
			for _, port := range []uint8{1, 2, 99} {
				t.Run(fmt.Sprintf("%s/%s/port%d", name, v.Description, port), func(t *testing.T) {
					out, err := d.Decode(codec.Input{FPort: port, Bytes: mustHex(t, v.BytesHex)})
					if err != nil {
						t.Fatalf("Decode: %v", err)
					}
					if diff := compare("", v.Expected, roundTrip(t, out.Data)); diff != "" {
						t.Error(diff)
					}
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
			in := codec.Input{Bytes: mustHex(t, tt.hex)}
			out, err := ext.Decode(in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := compare("", tt.want, roundTrip(t, out.Data)); diff != "" {
				t.Error(diff)
			}
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
				_, err := d.Decode(codec.Input{Bytes: mustHex(t, tt.hex)})
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

	out, err = d.Decode(codec.Input{Bytes: mustHex(t, "0367 0110 0367 00ff")})
	if err != nil {
		t.Fatal(err)
	}
	want := obj("temperatureSensor", "3", 25.5)
	if diff := compare("", want, roundTrip(t, out.Data)); diff != "" {
		t.Error(diff)
	}
	if len(out.Warnings) != 1 {
		t.Errorf("warnings %q, want one for the repeated channel", out.Warnings)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(mustHex(f, v.BytesHex), true)
	}
	f.Add(mustHex(f, "0d87 6496c8 0164 fffefdfc"), true)
	decs := Decoders()
	f.Fuzz(func(t *testing.T, b []byte, extended bool) {
		d := decs["cayennelpp"]
		if extended {
			d = decs["cayennelpp-extended"]
		}
		out, err := d.Decode(codec.Input{Bytes: b})
		if err != nil {
			if !errors.Is(err, codec.ErrTruncated) && !errors.Is(err, codec.ErrInvalid) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if _, err := json.Marshal(out.Data); err != nil {
			t.Fatalf("output does not marshal: %v", err)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	d := Decoders()["cayennelpp"]
	// Temperature, humidity, barometer and GPS: a typical weather node.
	payload := mustHex(b, "0167ffd7 026829 0373041f 018806765ff2960a0003e8")
	in := codec.Input{FPort: 1, Bytes: payload}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func roundTrip(t testing.TB, data map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatalf("marshal output: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// compare reports the first difference, numbers within 1e-9 relative, or "".
func compare(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, want, got)
		}
		for k, wv := range w {
			if d := compare(path+"."+k, wv, g[k]); d != "" {
				return d
			}
		}
		return ""
	case float64:
		g, ok := got.(float64)
		if !ok {
			return fmt.Sprintf("%s: want %v, got %T %v", path, w, got, got)
		}
		if d := math.Abs(w - g); d > 1e-9*math.Abs(w) && d > 1e-12 {
			return fmt.Sprintf("%s: want %v, got %v", path, w, g)
		}
		return ""
	default:
		if want != got {
			return fmt.Sprintf("%s: want %#v, got %#v", path, want, got)
		}
		return ""
	}
}

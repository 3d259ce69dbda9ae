package decentlab

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		model   string
		hex     string
		vars    map[string]string
		wantErr error
	}{
		{"empty", "dl-sht35", "", nil, codec.ErrTruncated},
		{"version 1", "dl-sht35", "01 030e 0001 0c60", nil, codec.ErrInvalid},
		{"version only", "dl-sht35", "02", nil, codec.ErrTruncated},
		{"header cut in flags", "dl-sht35", "02 030e 00", nil, codec.ErrTruncated},
		{"sensor cut", "dl-sht35", "02 030e 0003 64a0 79", nil, codec.ErrTruncated},
		{"battery missing", "dl-sht35", "02 030e 0003 64a0 79b1", nil, codec.ErrTruncated},
		{"bad variable", "dl-pr26", "02 0167 0003 3e80 6017 0c7f", map[string]string{"Pmax": "x"},
			nil},
	}
	decs := Decoders()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := codec.Input{FPort: 1, Bytes: codectest.Hex(t, tt.hex), Variables: tt.vars}
			out, err := decs["decentlab-"+tt.model].Decode(in)
			if err == nil {
				t.Fatalf("want an error, got %v", out.Data)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestParameters: device variables override a model's parameters. With Pmin −1 and Pmax 3
// the PR26 pressure word 0x3e80 (16000) is (16000−16384)/32768·4 − 1 bar.
func TestParameters(t *testing.T) {
	d := Decoders()["decentlab-dl-pr26"]
	b := codectest.Hex(t, "02 0167 0003 3e80 6017 0c7f")

	tests := []struct {
		name string
		vars map[string]string
		want float64
	}{
		{"defaults 0..1 bar", nil, -0.01171875},
		{"overridden -1..3 bar", map[string]string{"Pmin": "-1", "Pmax": "3"},
			(16000.0-16384)/32768*4 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := d.Decode(codec.Input{Bytes: b, Variables: tt.vars})
			if err != nil {
				t.Fatal(err)
			}
			got := out.Data["pressure"].(map[string]any)["value"].(float64)
			if got != tt.want {
				t.Fatalf("pressure %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNonFinite: a zero measurement interval divides by zero in the vendor formula; the
// value becomes null with a warning, and the output still marshals.
func TestNonFinite(t *testing.T) {
	d := Decoders()["decentlab-dl-kl66"]
	out, err := d.Decode(codec.Input{Bytes: codectest.Hex(t, "02 03d4 0001 3bf6 0000 3bf6")})
	if err != nil {
		t.Fatal(err)
	}
	f := out.Data["frequency"].(map[string]any)
	if f["value"] != nil {
		t.Fatalf("frequency %v, want nil", f["value"])
	}
	if len(out.Warnings) == 0 {
		t.Fatal("want a warning for the non-finite values")
	}
	if _, err := json.Marshal(out.Data); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	// Counter and interval are finite and kept.
	if got := out.Data["counter_reading"].(map[string]any)["value"]; got != 15350.0 {
		t.Fatalf("counter_reading %v", got)
	}
}

func TestWarnings(t *testing.T) {
	d := Decoders()["decentlab-dl-sht35"]
	tests := []struct {
		name, hex, want string
	}{
		{"trailing bytes", "02 030e 0002 0c60 ffff", "trailing"},
		{"unknown sensor flag", "02 030e 0006 0c60", "flags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := d.Decode(codec.Input{Bytes: codectest.Hex(t, tt.hex)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], tt.want) {
				t.Fatalf("warnings %q, want one about %q", out.Warnings, tt.want)
			}
			if v := out.Data["battery_voltage"].(map[string]any)["value"]; v != 3.168 {
				t.Fatalf("battery %v", v)
			}
		})
	}
}

// TestTables checks the tables themselves: word indexes in range, unique keys, and no
// more words than a decode can hold.
func TestTables(t *testing.T) {
	for _, m := range allModels() {
		t.Run(m.name, func(t *testing.T) {
			if m.source == "" {
				t.Error("no source for the formulas")
			}
			if len(m.sensors) > 16 {
				t.Fatalf("%d sensors, flags hold 16", len(m.sensors))
			}
			keys := map[string]bool{"protocol_version": true, "device_id": true}
			p := make([]float64, len(m.params))
			for i, pr := range m.params {
				p[i] = pr.def
			}
			for _, s := range m.sensors {
				if s.words < 1 || s.words > maxWords {
					t.Fatalf("sensor with %d words", s.words)
				}
				x := make([]float64, s.words) // a formula reading past words panics here
				for i := range x {
					x[i] = 40000
				}
				for _, v := range s.values {
					if keys[v.name] {
						t.Fatalf("duplicate key %q", v.name)
					}
					keys[v.name] = true
					if f := v.f(x, p); math.IsNaN(f) {
						t.Logf("%s is NaN for words of 40000", v.name)
					}
				}
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range allVectors(f) {
		f.Add(modelOf(v), v.Bytes(f))
	}
	names := map[string]codec.Decoder{}
	for name, d := range Decoders() {
		names[strings.TrimPrefix(name, "decentlab-")] = d
	}
	f.Fuzz(func(t *testing.T, model string, b []byte) {
		d, ok := names[model]
		if !ok {
			d = names["dl-atm41"]
		}
		in := codec.Input{FPort: 1, Bytes: b}
		codectest.CheckDecode(t, d, in, codec.ErrTruncated, codec.ErrInvalid)
	})
}

func BenchmarkDecode(b *testing.B) {
	cases := []struct{ model, hex string }{
		{"dl-sht35", "02030e000364a079b10c60"},
		{"dl-pm", "021b50000f0c25002500270027002701f50107012c012d012d012d67bd618dbd10"},
	}
	for _, c := range cases {
		d := Decoders()["decentlab-"+c.model]
		in := codec.Input{FPort: 1, Bytes: codectest.Hex(b, c.hex)}
		b.Run(c.model, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

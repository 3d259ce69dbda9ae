package js

import (
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

// FuzzDecode feeds arbitrary payloads to the test decoders: no panic, and every error is the
// script's verdict on the payload (codec.ErrInvalid), never a broken sandbox bound.
func FuzzDecode(f *testing.F) {
	for _, v := range codectest.Vectors(f, codectest.TTNVectors,
		codectest.Vendor("elsys", "ers-co2", "ers-sound")) {
		f.Add(v.FPort, v.Bytes(f))
	}
	for _, v := range codectest.Vectors(f, codectest.TTNVectors, codectest.Vendor("browan")) {
		f.Add(v.FPort, v.Bytes(f))
	}
	// A second is far above a decode's cost; it keeps a slow fuzzing machine from timing out.
	opt := Options{Timeout: time.Second}
	decs := []codec.Decoder{load(f, "elsys-ers.js", opt), load(f, tabsScript, opt)}
	f.Fuzz(func(t *testing.T, port uint8, b []byte) {
		for _, d := range decs {
			codectest.CheckDecode(t, d, codec.Input{FPort: port, Bytes: b}, codec.ErrInvalid)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	tests := []struct{ script, hex string }{
		{"elsys-ers.js", "0100e202290400270506060308"},
		{tabsScript, "610b351ebf030100510036"},
	}
	for _, tc := range tests {
		b.Run(tc.script, func(b *testing.B) {
			d := load(b, tc.script, Options{})
			in := codec.Input{FPort: 1, Bytes: codectest.Hex(b, tc.hex)}
			if tc.script == tabsScript {
				in.FPort = 103
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

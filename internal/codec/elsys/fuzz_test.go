package elsys

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func FuzzDecode(f *testing.F) {
	for _, v := range codectest.Vectors(f, codectest.TTNVectors, codectest.Vendor("elsys")) {
		f.Add(v.FPort, v.Bytes(f))
	}
	f.Add(uint8(5), []byte{0x13, 0x14, 0x05})
	f.Add(uint8(5), []byte{0x19, 0x00, 0xE2, 0x19, 0x00, 0xA3, 0x3E, 0x01})

	dec := Decoders()["elsys"]
	f.Fuzz(func(t *testing.T, port uint8, b []byte) {
		codectest.CheckDecode(t, dec, codec.Input{FPort: port, Bytes: b})
	})
}

func BenchmarkDecode(b *testing.B) {
	// ERS CO2 uplink: temperature, humidity, light, motion, co2, vdd.
	in := codec.Input{FPort: 5, Bytes: []byte{0x01, 0x00, 0xE2, 0x02, 0x29, 0x04, 0x00, 0x27,
		0x05, 0x06, 0x06, 0x03, 0x08, 0x07, 0x0E, 0x10}}
	dec := Decoders()["elsys"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

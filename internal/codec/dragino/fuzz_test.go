package dragino

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func FuzzDecode(f *testing.F) {
	for _, v := range codectest.Vectors(f, codectest.TTNVectors, lht65Vectors) {
		f.Add(v.FPort, v.Bytes(f))
	}
	f.Add(uint8(2), []byte{0xCB, 0xF6, 0x28, 0xFF, 0x12, 0x34, 0x0F, 0x56, 0x78, 0x9A, 0xBC})
	f.Add(uint8(2), []byte{0xCB, 0xF6, 0x0B, 0x0D, 0x03, 0x76, 0x00})

	dec := Decoders()["dragino-lht65"]
	f.Fuzz(func(t *testing.T, port uint8, b []byte) {
		codectest.CheckDecode(t, dec, codec.Input{FPort: port, Bytes: b})
	})
}

func BenchmarkDecode(b *testing.B) {
	// The manual's E1 example: built-in SHT plus a DS18B20 probe.
	in := codec.Input{FPort: 2, Bytes: []byte{0xCB, 0xF6, 0x0B, 0x0D, 0x03, 0x76, 0x01, 0x0A,
		0xDD, 0x7F, 0xFF}}
	dec := Decoders()["dragino-lht65"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

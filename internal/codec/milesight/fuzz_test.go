package milesight

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func FuzzDecode(f *testing.F) {
	models := Models()
	for _, v := range codectest.Vectors(f, codectest.TTNVectors, milesightVectors) {
		f.Add(v.FPort, uint8(0), v.Bytes(f))
	}
	f.Add(uint8(85), uint8(3), []byte{0x04, 0xC9, 0x03, 0xFF, 0x00, 0x02})
	f.Add(uint8(85), uint8(7), []byte{0x20, 0xCE, 0x9E, 0x74, 0x46, 0x63, 0x10})

	dec := Decoders()["milesight"]
	f.Fuzz(func(t *testing.T, port, model uint8, b []byte) {
		in := codec.Input{FPort: port, Bytes: b}
		// model 0 is the generic table, others pick a known model.
		if model != 0 {
			in.Variables = map[string]string{ModelVariable: models[int(model)%len(models)]}
		}
		codectest.CheckDecode(t, dec, in)
	})
}

func BenchmarkDecode(b *testing.B) {
	// AM307 uplink: battery, temperature, humidity, pir, light level, co2, tvoc, pressure.
	in := codec.Input{FPort: 85, Bytes: []byte{0x01, 0x75, 0x5C, 0x03, 0x67, 0xEE, 0x00,
		0x04, 0x68, 0x7C, 0x05, 0x00, 0x01, 0x06, 0xCB, 0x02, 0x07, 0x7D, 0xA8, 0x03,
		0x08, 0x7D, 0x25, 0x00, 0x09, 0x73, 0x66, 0x27},
		Variables: map[string]string{ModelVariable: "am307"}}
	dec := Decoders()["milesight"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

package builtin

import (
	"encoding/hex"
	"testing"

	firmwareprofiles "github.com/vindel-hub/vindel/firmware-profiles"
	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/profile"
)

// TestElsysEMSProfile decodes an EMS frame built from Elsys's published payload format
// (types 0x01 temperature, 0x02 humidity, 0x0F accelerometer motion, 0x0D digital input,
// 0x12 water leak, 0x07 battery voltage) through the shipped profile, and checks what each
// field observes: the profile has no vendor test vector of its own.
func TestElsysEMSProfile(t *testing.T) {
	set, err := profile.Load(firmwareprofiles.FS, Decoders())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := set.Select("elsys/ems", "")
	if !ok {
		t.Fatal("no profile elsys/ems")
	}
	frame, _ := hex.DecodeString("0100e202290f050d011200070e10")
	out, err := p.Decoder().Decode(codec.Input{FPort: 5, Bytes: frame})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := map[string]float64{"air_temperature": 22.6, "relative_humidity": 41,
		"movement_count": 5, "digital_input": 1, "water_leak": 0, "battery_voltage": 3600}
	got := map[string]float64{}
	for _, r := range p.Extract(out.Data, nil) {
		got[p.Fields[r.Field].Property] = r.Value.Num
	}
	for prop, v := range want {
		if g, ok := got[prop]; !ok || g != v {
			t.Errorf("%s = %v (found %v), want %v", prop, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("readings %v, want %v", got, want)
	}
}

package ingest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// TestKey pins the de-duplication key: DevEUI, then the first 12 bytes of SHA-256 over DevEUI,
// FCnt (big-endian), FPort and payload. Keys are kept in the archive and read back after a
// restart, so the recipe must not drift.
func TestKey(t *testing.T) {
	u := Uplink{DevEUI: "a1b2c3d4e5f60708", FCnt: 4711, FPort: 1,
		Payload: []byte{0x01, 0x00, 0xe2, 0x02, 0x29}}
	in := []byte(u.DevEUI)
	in = binary.BigEndian.AppendUint32(in, u.FCnt)
	in = append(in, u.FPort)
	in = append(in, u.Payload...)
	sum := sha256.Sum256(in)
	want := u.DevEUI + ":" + hex.EncodeToString(sum[:12])
	if got := u.Key(); got != want {
		t.Errorf("Key() = %q, want %q", got, want)
	}
	other := u
	other.DedupKey, other.FCnt = "", 4712
	if other.Key() == want {
		t.Error("a different FCnt gave the same key")
	}
}

func TestNormalizeDevEUI(t *testing.T) {
	for in, want := range map[string]string{
		"A1B2C3D4E5F60708": "a1b2c3d4e5f60708", "a1-b2-c3-d4-e5-f6-07-08": "a1b2c3d4e5f60708",
		"a1:b2:c3:d4:e5:f6:07:08": "a1b2c3d4e5f60708",
	} {
		if got, err := NormalizeDevEUI(in); err != nil || got != want {
			t.Errorf("NormalizeDevEUI(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "a1b2", "zzb2c3d4e5f60708", "a1b2c3d4e5f6070801"} {
		if _, err := NormalizeDevEUI(bad); err == nil {
			t.Errorf("NormalizeDevEUI(%q) accepted", bad)
		}
	}
}

package pebblestore

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/store"
)

// TestKeepLargeEnvelope keeps a batch in which one envelope is over 16 MiB, which
// MQTT allows (Mosquitto's default message_size_limit is the protocol's 256 MiB) and
// layout 1 kept: the other uplinks of the batch should be kept, and so should it.
func TestKeepLargeEnvelope(t *testing.T) {
	s := openDir(t, t.TempDir(), Options{})
	batch := rawsFor(0, 3)
	batch[1].Envelope = make([]byte, 17<<20)
	if _, err := s.Keep(t.Context(), batch...); err != nil {
		t.Errorf("Keep of a batch with a 17 MiB envelope: %v", err)
	}
	all, err := s.Raw(t.Context(), "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("%d of 3 uplinks kept", len(all))
	}
	if _, err := s.Keep(t.Context(), store.RawUplink{DevEUI: "01"}); err != nil {
		t.Errorf("Keep after: %v", err)
	}
}

package pipeline

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/store"
)

// TestRedecode keeps an uplink of a device not yet registered and one decoded with the
// wrong profile, then registers and mends the device and decodes them again: both become
// Observations at their own times, each once, also when Redecode is asked again, and a
// broker's late copy of one is still a duplicate.
func TestRedecode(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	ctx := context.Background()
	first := v3Uplink(t, nil) // the Elsys sample, FCnt 4711
	second := v3Uplink(t, func(m map[string]any) { m["fCnt"] = 4712 })

	e.send(t, "test", first)
	waitFor(t, "unknown device counted", func() bool {
		return counter(e, "test", store.OutcomeUnknownDevice) == 1
	})
	dev := e.register(t, elsysEUI, "dragino/lht65") // the wrong profile: FPort 1 is unknown to it
	e.send(t, "test", second)
	waitFor(t, "decode error counted", func() bool {
		return counter(e, "test", store.OutcomeDecodeError) == 1
	})
	if n := len(e.pub.published()); n != 0 {
		t.Fatalf("%d Observations before the redecode", n)
	}
	dev.Profile = "elsys/ers-co2"
	if _, err := e.reg.Update(ctx, elsysEUI, *dev); err != nil {
		t.Fatal(err)
	}

	rep, err := e.p.Redecode(ctx, elsysEUI)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uplinks != 2 || rep.Outcomes["decoded"] != 2 {
		t.Fatalf("Redecode = %+v, want both uplinks decoded", rep)
	}
	obs := e.pub.published()
	if len(obs) == 0 || len(obs)%2 != 0 {
		t.Fatalf("%d Observations published, want the same number from each uplink", len(obs))
	}
	raws, err := e.st.Raw(ctx, elsysEUI, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(raws) != 4 {
		t.Fatalf("%d raw uplinks, want the two and their redecodes", len(raws))
	}
	for _, r := range raws[2:] { // in either order: two workers decoded them
		i := slices.IndexFunc(raws[:2], func(o store.RawUplink) bool {
			return r.Detail == fmt.Sprintf("decoded again from raw uplink %d", o.Seq)
		})
		if r.Source != RedecodeSource || r.Outcome != store.OutcomeDecoded || i < 0 {
			t.Fatalf("raw uplink %d of the redecode: %s %s %q, want decoded, naming 1 or 2",
				r.Seq, r.Source, r.Outcome, r.Detail)
		}
		if r.DedupKey != raws[i].DedupKey || r.ReceivedAt.Before(raws[i].ReceivedAt) {
			t.Errorf("raw uplink %d: key %s kept at %v, first kept as %s at %v", r.Seq,
				r.DedupKey, r.ReceivedAt, raws[i].DedupKey, raws[i].ReceivedAt)
		}
	}
	for _, o := range obs {
		if time.Since(o.PhenomenonTime) < 24*time.Hour {
			t.Errorf("Observation %d at %v: the redecode took the time of now, not the "+
				"envelope's", o.ID, o.PhenomenonTime)
		}
	}

	rep, err = e.p.Redecode(ctx, elsysEUI)
	if err != nil || rep.Uplinks != 0 {
		t.Fatalf("second Redecode = %+v, %v; want nothing left to decode", rep, err)
	}
	e.send(t, "test", first)
	waitFor(t, "a late copy counted as a duplicate", func() bool {
		return counter(e, "test", store.OutcomeDuplicate) == 1
	})
	if n := len(e.pub.published()); n != len(obs) {
		t.Errorf("%d Observations after the late copy, want %d", n, len(obs))
	}
}

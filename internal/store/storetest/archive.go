package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/store"
)

// devices are the DevEUIs of the archive fixture; the empty one stands for an uplink whose
// DevEUI could not be read.
var devices = []string{"70b3d57ed0000001", "a84041000181c5e3", "", "70b3d57ed00000"}

// rawFixture returns n raw uplinks spread over devices, one second apart, with binary
// envelopes and every outcome.
func rawFixture(n int) []store.RawUplink {
	outcomes := []store.Outcome{store.OutcomeDecoded, store.OutcomeDuplicate,
		store.OutcomeDecodeError, store.OutcomeUnknownDevice, store.OutcomeMalformed,
		store.OutcomeNoProfile}
	raws := make([]store.RawUplink, n)
	for i := range raws {
		r := store.RawUplink{
			ReceivedAt: t0.Add(time.Duration(i) * time.Second),
			Source:     "chirpstack-v4",
			Topic:      fmt.Sprintf("application/1/device/%d/event/up", i),
			DevEUI:     devices[i%len(devices)],
			DedupKey:   fmt.Sprintf("dedup-%d", i),
			Outcome:    outcomes[i%len(outcomes)],
			Envelope:   []byte{0x00, byte(i), 0xff, '{', '}', 0x80},
		}
		if r.Outcome != store.OutcomeDecoded {
			r.Detail = "profile: åäö failed"
		}
		if i%5 == 4 {
			r.DedupKey, r.Envelope = "", nil
		}
		raws[i] = r
	}
	return raws
}

// keepAll keeps raws and returns them with their sequence numbers set.
func keepAll(t *testing.T, b Backend, raws []store.RawUplink) []store.RawUplink {
	t.Helper()
	out := slices.Clone(raws)
	var last uint64
	for i := range out {
		seq, err := b.Keep(t.Context(), out[i])
		if err != nil {
			t.Fatalf("Keep: %v", err)
		}
		if seq <= last {
			t.Fatalf("Keep returned seq %d after %d: not increasing", seq, last)
		}
		last, out[i].Seq = seq, seq
	}
	return out
}

// wantRaw fails unless got equals want field by field.
func wantRaw(t *testing.T, what string, got, want []store.RawUplink) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d raw uplinks, want %d", what, len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Seq != w.Seq || !g.ReceivedAt.Equal(w.ReceivedAt) || g.Source != w.Source ||
			g.Topic != w.Topic || g.DevEUI != w.DevEUI || g.DedupKey != w.DedupKey ||
			g.Outcome != w.Outcome || g.Detail != w.Detail ||
			!bytes.Equal(g.Envelope, w.Envelope) {
			t.Fatalf("%s: row %d = %+v, want %+v", what, i, g, w)
		}
	}
}

// ofDevice keeps the raw uplinks of one device, or all when dev is "*".
func ofDevice(raws []store.RawUplink, dev string) []store.RawUplink {
	if dev == "*" {
		return raws
	}
	var out []store.RawUplink
	for _, r := range raws {
		if r.DevEUI == dev {
			out = append(out, r)
		}
	}
	return out
}

func testArchiveKeepRaw(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	if got, err := b.Raw(t.Context(), "", 0, 0); err != nil || len(got) != 0 {
		t.Fatalf("Raw of an empty archive = %d rows, %v", len(got), err)
	}
	kept := keepAll(t, b, rawFixture(23))
	got, err := b.Raw(t.Context(), "", 0, 0)
	if err != nil {
		t.Fatalf("Raw: %v", err)
	}
	wantRaw(t, "Raw all", got, kept)
	for _, dev := range devices[:2] {
		got, err := b.Raw(t.Context(), dev, 0, 0)
		if err != nil {
			t.Fatalf("Raw(%q): %v", dev, err)
		}
		wantRaw(t, "Raw of "+dev, got, ofDevice(kept, dev))
	}
	// A DevEUI that is a prefix of another must not select the longer one.
	got, err = b.Raw(t.Context(), devices[3], 0, 0)
	if err != nil {
		t.Fatalf("Raw: %v", err)
	}
	wantRaw(t, "Raw of a prefix DevEUI", got, ofDevice(kept, devices[3]))
	if got, _ := b.Raw(t.Context(), "0000000000000000", 0, 0); len(got) != 0 {
		t.Fatalf("Raw of an unknown device = %d rows", len(got))
	}
}

func testArchivePaging(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	kept := keepAll(t, b, rawFixture(31))
	for _, dev := range []string{"*", devices[0], devices[1]} {
		for _, limit := range []int{1, 3, 40} {
			t.Run(fmt.Sprintf("dev=%s/limit=%d", dev, limit), func(t *testing.T) {
				sel := dev
				if dev == "*" {
					sel = ""
				}
				var got []store.RawUplink
				var after uint64
				for range len(kept) + 1 {
					page, err := b.Raw(t.Context(), sel, after, limit)
					if err != nil {
						t.Fatalf("Raw: %v", err)
					}
					if len(page) > limit {
						t.Fatalf("page of %d, limit %d", len(page), limit)
					}
					got = append(got, page...)
					if len(page) < limit {
						break
					}
					after = page[len(page)-1].Seq
				}
				wantRaw(t, "paged Raw", got, ofDevice(kept, dev))
			})
		}
	}
}

func testArchiveSince(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	kept := keepAll(t, b, rawFixture(17))
	for _, at := range []time.Duration{-time.Hour, 0, 7 * time.Second,
		7*time.Second + 1, 16 * time.Second, time.Hour} {
		t.Run(at.String(), func(t *testing.T) {
			since := t0.Add(at)
			var want []string
			for _, r := range kept {
				if !r.ReceivedAt.Before(since) && r.DedupKey != "" {
					want = append(want, r.DedupKey)
				}
			}
			got, err := b.Since(t.Context(), since)
			if err != nil {
				t.Fatalf("Since: %v", err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Since(%v) = %q, want %q", since, got, want)
			}
		})
	}
}

// testArchiveKeepMany keeps several raw uplinks in one call: they get consecutive sequence
// numbers in order, the last returned, and read back exactly.
func testArchiveKeepMany(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	first := keepAll(t, b, rawFixture(2))
	many := rawFixture(5)
	last, err := b.Keep(t.Context(), many...)
	if err != nil {
		t.Fatalf("Keep of 5: %v", err)
	}
	if want := first[1].Seq + 5; last != want {
		t.Fatalf("Keep of 5 returned seq %d, want %d", last, want)
	}
	for i := range many {
		many[i].Seq = first[1].Seq + uint64(i) + 1
	}
	got, err := b.Raw(t.Context(), "", first[1].Seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw(t, "after a Keep of 5", got, many)
	if last, err := b.Keep(t.Context()); err != nil || last != many[4].Seq {
		t.Errorf("Keep of none = %d, %v; want the last seq %d and no error", last, err, many[4].Seq)
	}
}

package pebblestore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/store"
)

// TestDeviceIndexAgainstModel keeps raw uplinks of busy and quiet devices, and of none, in
// Keeps of random size, and after each round reads every device's uplinks, whole and in
// pages after random sequence numbers, against a model; between rounds the store is
// restarted (restart). Small IndexSpans make quiet devices' entries go into blocks by age.
func TestDeviceIndexAgainstModel(t *testing.T) {
	for _, opt := range []Options{{IndexSpan: 1}, {IndexSpan: 30}, {}} {
		t.Run(fmt.Sprintf("span%d", opt.IndexSpan), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(opt.IndexSpan), 5))
			fs := vfs.NewStrictMem()
			s, err := open("", opt, quiet(), fs)
			if err != nil {
				t.Fatal(err)
			}
			byDev := map[string][]uint64{}
			n := 0
			for round := range 8 {
				for range 1 + rng.IntN(6) {
					rs := make([]store.RawUplink, 1+rng.IntN(150))
					for i := range rs {
						dev := fmt.Sprintf("busy%d", rng.IntN(3))
						switch rng.IntN(12) {
						case 0:
							dev = fmt.Sprintf("quiet%d", rng.IntN(6))
						case 1:
							dev = "" // an uplink whose DevEUI could not be read
						}
						rs[i] = store.RawUplink{DevEUI: dev, DedupKey: fmt.Sprint("k", n),
							Envelope: []byte("{}")}
						n++
					}
					last, err := s.Keep(t.Context(), rs...)
					if err != nil {
						t.Fatal(err)
					}
					for i, r := range rs {
						byDev[r.DevEUI] = append(byDev[r.DevEUI], last-uint64(len(rs)-1-i))
					}
				}
				if err := s.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
				devicesAgree(t, rng, s, byDev)
				s = restart(t, s, fs, opt, round)
				devicesAgree(t, rng, s, byDev)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// devicesAgree fails unless Raw reads each device's sequence numbers as want has them.
func devicesAgree(t *testing.T, rng *rand.Rand, s *Store, want map[string][]uint64) {
	t.Helper()
	for dev, seqs := range want {
		if dev == "" {
			continue // Raw without a DevEUI reads every device
		}
		after := uint64(0)
		if rng.IntN(2) == 0 {
			after = seqs[rng.IntN(len(seqs))]
		}
		i, _ := slices.BinarySearch(seqs, after+1)
		wantSeqs := seqs[i:]
		limit := 1 + rng.IntN(40)
		var got []uint64
		for {
			page, err := s.Raw(t.Context(), dev, after, limit)
			if err != nil {
				t.Fatalf("Raw(%q, %d, %d): %v", dev, after, limit, err)
			}
			for _, r := range page {
				got = append(got, r.Seq)
			}
			if len(page) < limit {
				break
			}
			after = page[len(page)-1].Seq
		}
		if !slices.Equal(got, wantSeqs) {
			t.Fatalf("Raw(%q) = %d uplinks, want %d", dev, len(got), len(wantSeqs))
		}
	}
}

// FuzzDecodeDeviceBlock decodes arbitrary device block values: what it accepts must start
// at the key's number, rise, and encode back to the same numbers.
func FuzzDecodeDeviceBlock(f *testing.F) {
	f.Add(uint64(7), appendSeqBlock(nil, []uint64{7, 9, 300, 1 << 40}))
	f.Add(uint64(1), []byte{1, 0})
	f.Add(uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, first uint64, v []byte) {
		k := devBlockKey("a1b2", first)
		plen := len(devBlockPrefix("a1b2"))
		var seqs []uint64
		if err := eachSeq(k, plen, v, func(q uint64) bool {
			seqs = append(seqs, q)
			return true
		}); err != nil {
			return
		}
		if seqs[0] != first {
			t.Fatalf("first number %d in block %d", seqs[0], first)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("number %d after %d", seqs[i], seqs[i-1])
			}
		}
		var again []uint64
		err := eachSeq(k, plen, appendSeqBlock(nil, seqs), func(q uint64) bool {
			again = append(again, q)
			return true
		})
		if err != nil || !slices.Equal(again, seqs) {
			t.Fatalf("re-decoded %v, %v; was %v", again, err, seqs)
		}
	})
}

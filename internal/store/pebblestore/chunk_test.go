package pebblestore

import (
	"slices"
	"testing"
)

// FuzzDecodeChunk decodes arbitrary chunk values: what it accepts must be in series order,
// start at the key's point, end at the header's and encode back to the same entries.
func FuzzDecodeChunk(f *testing.F) {
	var es []chunkEntry
	for i, o := range resultSeeds {
		rec, _ := appendResult(nil, o)
		es = append(es, chunkEntry{point: point{int64(1000 + 7*i), uint64(40 - i)}, rec: rec})
	}
	f.Add(int64(1000), uint64(40), appendChunk(nil, es))
	f.Add(int64(-5), uint64(1), []byte{1, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb, 0, 0,
		0, 0, 0, 0, 0, 1, 0, 0, 0})
	f.Add(int64(0), uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, pt int64, id uint64, v []byte) {
		first := point{pt, id}
		k := chunkKey(nil, 9, first)
		got, err := appendChunkEntries(nil, k, v)
		if err != nil {
			return
		}
		if got[0].point != first {
			t.Fatalf("first entry %v in chunk %v", got[0].point, first)
		}
		for i := 1; i < len(got); i++ {
			if got[i].compare(got[i-1].point) <= 0 {
				t.Fatalf("entry %d: %v after %v", i, got[i].point, got[i-1].point)
			}
		}
		again, err := appendChunkEntries(nil, k, appendChunk(nil, got))
		if err != nil || !slices.EqualFunc(again, got, func(a, b chunkEntry) bool {
			return a.point == b.point && slices.Equal(a.rec, b.rec)
		}) {
			t.Fatalf("re-decoded %v, %v; was %v", again, err, got)
		}
	})
}

package pebblestore

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// TestObsKeyOrder checks that byte order of series keys is (ds, time, id) order, signs
// included, on random and edge values.
func TestObsKeyOrder(t *testing.T) {
	type pos struct {
		ds, t int64
		id    uint64
	}
	edges := []int64{math.MinInt64, -1, 0, 1, 255, 256, math.MaxInt64}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func() pos {
		p := pos{r.Int64() - r.Int64(), r.Int64() - r.Int64(), r.Uint64()}
		if r.IntN(2) == 0 {
			p.ds, p.t = edges[r.IntN(len(edges))], edges[r.IntN(len(edges))]
		}
		return p
	}
	for range 20000 {
		a, b := pick(), pick()
		want := cmp.Or(cmp.Compare(a.ds, b.ds), cmp.Compare(a.t, b.t), cmp.Compare(a.id, b.id))
		got := bytes.Compare(obsKey(nil, a.ds, a.t, a.id), obsKey(nil, b.ds, b.t, b.id))
		if got != want {
			t.Fatalf("compare %+v with %+v: keys say %d, want %d", a, b, got, want)
		}
		ds, tt, id, err := parseObsKey(obsKey(nil, a.ds, a.t, a.id))
		if err != nil || ds != a.ds || tt != a.t || id != a.id {
			t.Fatalf("parse %+v = %d %d %d %v", a, ds, tt, id, err)
		}
	}
}

func TestSuccessor(t *testing.T) {
	tests := []struct{ in, want []byte }{
		{[]byte{'o', 1}, []byte{'o', 2}},
		{[]byte{'o', 0xff}, []byte{'p'}},
		{[]byte{0xff, 0xff}, nil},
	}
	for _, tc := range tests {
		if got := successor(tc.in); !bytes.Equal(got, tc.want) {
			t.Errorf("successor(%x) = %x, want %x", tc.in, got, tc.want)
		}
	}
}

// resultSeeds are Observations whose encoding seeds the fuzz targets and round-trip test.
var resultSeeds = []model.Observation{
	{ID: 1, DatastreamID: 1, PhenomenonTime: t0, Result: model.Number(-12.5)},
	{ID: 2, DatastreamID: -3, PhenomenonTime: t0, ResultTime: t0, Result: model.String("ö")},
	{ID: 3, DatastreamID: 1, PhenomenonTime: t0, ResultTime: t0, Result: model.Bool(true)},
	{ID: 4, DatastreamID: 1, PhenomenonTime: t0, Result: model.Value{}},
	{ID: 5, DatastreamID: 1, PhenomenonTime: t0, Result: model.String("")},
	// A device's own time: the resultTime (reception) differs and is stored.
	{ID: 6, DatastreamID: 2, PhenomenonTime: t0, ResultTime: t0.Add(90 * time.Second),
		Result: model.Number(3)},
}

func TestResultRoundTrip(t *testing.T) {
	for _, o := range resultSeeds {
		pt, _ := nanos(o.PhenomenonTime)
		rec, err := appendIDRecord(nil, o, pt)
		if err != nil {
			t.Fatalf("encode %+v: %v", o, err)
		}
		got, err := decodeIDRecord(o.ID, rec)
		if err != nil {
			t.Fatalf("decode %+v: %v", o, err)
		}
		if got != o {
			t.Fatalf("round trip %+v = %+v", o, got)
		}
	}
	bad := model.Observation{Result: model.Value{Kind: 9}}
	if _, err := appendResult(nil, bad); err == nil {
		t.Fatal("an unknown kind was encoded")
	}
}

// TestAppendRejectsTimes checks that times the key layout cannot hold are refused at Append,
// not lost in the writer.
func TestAppendRejectsTimes(t *testing.T) {
	log, _ := captureLog(t)
	s, err := Open(t.TempDir(), Options{}, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	tests := []struct {
		name string
		o    model.Observation
	}{
		{"zero phenomenonTime", model.Observation{ID: 1}},
		{"year 3000", model.Observation{ID: 1, PhenomenonTime: t0.AddDate(975, 0, 0)}},
		{"resultTime year 1500", model.Observation{ID: 1, PhenomenonTime: t0,
			ResultTime: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"unknown kind", model.Observation{ID: 1, PhenomenonTime: t0,
			Result: model.Value{Kind: 7}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Append(t.Context(), []model.Observation{tc.o}); err == nil {
				t.Fatal("Append accepted it")
			}
		})
	}
}

// FuzzDecodeIDRecord feeds arbitrary bytes to the record decoder: it must not panic, and
// what it accepts must encode and decode to the same Observation.
func FuzzDecodeIDRecord(f *testing.F) {
	for _, o := range resultSeeds {
		pt, _ := nanos(o.PhenomenonTime)
		rec, _ := appendIDRecord(nil, o, pt)
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := decodeIDRecord(7, b)
		if err != nil {
			return
		}
		pt, _ := nanos(o.PhenomenonTime)
		rec, err := appendIDRecord(nil, o, pt)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", o, err)
		}
		again, err := decodeIDRecord(7, rec)
		if err != nil || diffValue(again, o) {
			t.Fatalf("re-decode = %+v, %v; want %+v", again, err, o)
		}
	})
}

// diffValue reports whether two Observations differ, comparing numbers bit for bit.
func diffValue(a, b model.Observation) bool {
	return a.ID != b.ID || a.DatastreamID != b.DatastreamID ||
		!a.PhenomenonTime.Equal(b.PhenomenonTime) || !a.ResultTime.Equal(b.ResultTime) ||
		a.Result.Kind != b.Result.Kind || a.Result.Str != b.Result.Str ||
		math.Float64bits(a.Result.Num) != math.Float64bits(b.Result.Num)
}

// FuzzDecodeRaw feeds arbitrary bytes to the raw-uplink decoder: it must not panic, and what
// it accepts must encode and decode to the same uplink.
func FuzzDecodeRaw(f *testing.F) {
	f.Add(encodeRaw(store.RawUplink{Source: "tts", Topic: "v3/app/devices/d/up",
		DevEUI: "70b3d57ed0000001", DedupKey: "k", Outcome: store.OutcomeDecoded,
		Envelope: []byte(`{"uplink_message":{}}`)}, t0.UnixNano()))
	f.Add(encodeRaw(store.RawUplink{}, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRaw(3, b)
		if err != nil {
			return
		}
		again, err := decodeRaw(3, encodeRaw(r, r.ReceivedAt.UnixNano()))
		if err != nil || again.Source != r.Source || again.Topic != r.Topic ||
			again.DevEUI != r.DevEUI || again.DedupKey != r.DedupKey ||
			again.Outcome != r.Outcome || again.Detail != r.Detail ||
			!again.ReceivedAt.Equal(r.ReceivedAt) || !bytes.Equal(again.Envelope, r.Envelope) {
			t.Fatalf("re-decode = %+v, %v; want %+v", again, err, r)
		}
	})
}

package stream

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
)

func TestRing(t *testing.T) {
	cases := []struct {
		name      string
		size      int
		head      uint64 // the hub's starting head
		pushed    []uint64
		after     uint64
		want      []uint64
		wantFloor uint64
	}{
		{"empty", 4, 7, nil, 0, nil, 7},
		{"not full", 4, 0, []uint64{1, 3, 8}, 1, []uint64{3, 8}, 0},
		{"after all", 4, 0, []uint64{1, 3, 8}, 8, nil, 0},
		{"wrapped", 3, 0, []uint64{2, 4, 6, 8, 10}, 0, []uint64{6, 8, 10}, 4},
		{"wrapped, after a middle one", 3, 0, []uint64{2, 4, 6, 8, 10}, 7, []uint64{8, 10}, 4},
		{"after a gap", 4, 0, []uint64{10, 20, 30}, 25, []uint64{30}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRing(tc.size, tc.head)
			for _, id := range tc.pushed {
				r.push(obsAt(id, 11))
			}
			var got []uint64
			for _, o := range r.after(tc.after) {
				got = append(got, o.ID)
			}
			if !slices.Equal(got, tc.want) || r.floor != tc.wantFloor {
				t.Errorf("after(%d) = %v floor %d, want %v floor %d", tc.after, got, r.floor,
					tc.want, tc.wantFloor)
			}
		})
	}
}

// FuzzParseMessage feeds client frames to the subscribe parser: it must never panic, and
// what it accepts must be a valid, normalized filter that parses back to itself.
func FuzzParseMessage(f *testing.F) {
	for _, tc := range filterCases {
		f.Add([]byte(`{"type":"subscribe","from":3` + comma(tc.msg) + `}`))
	}
	f.Add([]byte(`{"type":"subscribe","from":18446744073709551615,"datastreams":[9]}`))
	f.Add([]byte(`{"type":"subscribe","devEuis":[null],"x":{}}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sub, err := parseMessage(b)
		if err != nil {
			return
		}
		for _, e := range sub.filter.spec.DevEUIs {
			if !isEUI(e) {
				t.Fatalf("accepted devEui %q", e)
			}
		}
		again, err := compile(sub.filter.spec)
		if err != nil {
			t.Fatalf("normalized filter %+v does not compile: %v", sub.filter.spec, err)
		}
		x, _ := json.Marshal(sub.filter.spec)
		y, _ := json.Marshal(again.spec)
		if string(x) != string(y) {
			t.Fatalf("normalizing twice changed %s to %s", x, y)
		}
	})
}

// FuzzParseQuery feeds raw URL queries to the query parser; it must never panic.
func FuzzParseQuery(f *testing.F) {
	for _, tc := range filterCases {
		f.Add(tc.query + "&from=12")
	}
	f.Add("datastream=1,,2&devEui=%20" + eui1 + "&from=+5")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if sub, err := parseQuery(q); err == nil && sub.filter == nil {
			t.Fatal("accepted a query without a filter")
		}
	})
}

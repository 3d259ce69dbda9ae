package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/vindel-hub/vindel/internal/model"
)

// filterCases are subscriptions and the Datastreams each must get out of base(), which has
// two Observations of every test Datastream, private 31 included. Each case's marker is a
// Datastream it matches, published last to mark the end of what the client may get.
var filterCases = []struct {
	name   string
	query  string // URL form
	msg    string // message form, without "type" and "from"
	want   []int64
	marker int64
}{
	{"everything public", "", ``, []int64{11, 12, 21, 11, 12, 21}, 21},
	{"one device, any case", "devEui=70B3D57ED0000001", `"devEuis":["70B3D57ED0000001"]`,
		[]int64{11, 12, 11, 12}, 11},
	{"two devices ORed", "devEui=" + eui1 + "&devEui=" + eui2,
		`"devEuis":["` + eui1 + `","` + eui2 + `"]`, []int64{11, 12, 21, 11, 12, 21}, 21},
	{"Datastreams comma-separated", "datastream=12,21", `"datastreams":[12,21]`,
		[]int64{12, 21, 12, 21}, 12},
	{"property", "property=air_temperature", `"properties":["air_temperature"]`,
		[]int64{11, 21, 11, 21}, 21},
	{"kinds ANDed", "devEui=" + eui1 + "&property=air_temperature",
		`"devEuis":["` + eui1 + `"],"properties":["air_temperature"]`, []int64{11, 11}, 11},
	{"private Datastream named", "datastream=31,21", `"datastreams":[31,21]`,
		[]int64{21, 21}, 21},
	{"private device named", "devEui=" + eui3 + "," + eui2, `"devEuis":["` + eui3 + `","` +
		eui2 + `"]`, []int64{21, 21}, 21},
}

// base publishes two Observations of each of 11, 12, 21 and 31, offsets 1 to 8.
func base(t *testing.T, r *rig) {
	t.Helper()
	for i, ds := range []int64{11, 12, 21, 31, 11, 12, 21, 31} {
		r.publish(t, obsAt(uint64(i+1), ds))
	}
}

func TestFilters(t *testing.T) {
	for _, tc := range filterCases {
		t.Run("live by URL/"+tc.name, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			c := r.dial(t, tc.query)
			c.expect(typeSubscribed)
			base(t, r)
			checkFiltered(t, r, c, tc.want, tc.marker)
		})
		t.Run("live by message/"+tc.name, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			c := r.dial(t, "")
			c.expect(typeSubscribed)
			c.send(`{"type":"subscribe"` + comma(tc.msg) + `}`)
			sub := c.expect(typeSubscribed)
			if sub.From != nil {
				t.Errorf("live subscription has from %d", *sub.From)
			}
			base(t, r)
			checkFiltered(t, r, c, tc.want, tc.marker)
		})
		t.Run("replay by message/"+tc.name, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			base(t, r)
			c := r.dial(t, "")
			c.expect(typeSubscribed)
			c.send(`{"type":"subscribe","from":0` + comma(tc.msg) + `}`)
			c.expect(typeSubscribed)
			got := readDatastreams(t, c, 8)
			if !slices.Equal(got, tc.want) {
				t.Errorf("replayed Datastreams %v, want %v", got, tc.want)
			}
		})
	}
}

// checkFiltered publishes the case's marker and checks the client got want, then the marker.
func checkFiltered(t *testing.T, r *rig, c *wsClient, want []int64, marker int64) {
	t.Helper()
	r.publish(t, obsAt(9, marker))
	got := readDatastreams(t, c, 9)
	want = append(slices.Clone(want), marker)
	if !slices.Equal(got, want) {
		t.Errorf("got Datastreams %v, want %v", got, want)
	}
}

// readDatastreams reads observations up to offset last (or a caughtUp frame) and returns
// their Datastreams, checking each frame's devEui and property against the registry.
func readDatastreams(t *testing.T, c *wsClient, last uint64) []int64 {
	t.Helper()
	_, streams := registry()
	var got []int64
	for {
		f := c.next()
		if f.Type == typeCaughtUp {
			return got
		}
		if f.Type != typeObservation {
			t.Fatalf("unexpected frame %+v", f)
		}
		i := slices.IndexFunc(streams, func(s *model.Datastream) bool {
			return s.ID == f.Datastream
		})
		if ds := streams[i]; f.DevEUI != ds.DevEUI || f.Property != ds.Property {
			t.Errorf("frame %+v does not describe Datastream %+v", f, ds)
		}
		got = append(got, f.Datastream)
		if f.Offset >= last {
			return got
		}
	}
}

// comma prefixes a non-empty JSON member list with a comma.
func comma(members string) string {
	if members == "" {
		return ""
	}
	return "," + members
}

func TestBadSubscribeMessage(t *testing.T) {
	cases := []struct{ name, msg string }{
		{"not JSON", `subscribe please`},
		{"unknown type", `{"type":"unsubscribe"}`},
		{"short devEui", `{"type":"subscribe","devEuis":["70b3d5"]}`},
		{"non-hex devEui", `{"type":"subscribe","devEuis":["70b3d57ed000000g"]}`},
		{"negative from", `{"type":"subscribe","from":-1}`},
		{"zero datastream", `{"type":"subscribe","datastreams":[0]}`},
		{"empty property", `{"type":"subscribe","properties":[""]}`},
		{"too many values", `{"type":"subscribe","datastreams":[` + manyIDs(1001) + `]}`},
	}
	r := newRig(t, Options{}, nil)
	c := r.dial(t, "datastream=11")
	c.expect(typeSubscribed)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.send(tc.msg)
			if f := c.expect(typeError); f.Code != codeBadRequest || f.Message == "" {
				t.Errorf("error frame %+v, want code %s with a message", f, codeBadRequest)
			}
		})
	}
	c.t = t
	r.publish(t, obsAt(1, 12), obsAt(2, 11)) // the first subscription still holds
	if f := c.expect(typeObservation); f.Offset != 2 {
		t.Errorf("after bad messages got offset %d, want 2", f.Offset)
	}
}

func TestBadQueryClosesWithError(t *testing.T) {
	for _, q := range []string{"from=abc", "datastream=x", "devEui=zz", "from=-3"} {
		t.Run(q, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			c := r.dial(t, q)
			if f := c.expect(typeError); f.Code != codeBadRequest {
				t.Errorf("error frame %+v, want %s", f, codeBadRequest)
			}
			_, err := c.read()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
				t.Errorf("after a bad URL got %v, want close %d", err,
					websocket.ClosePolicyViolation)
			}
		})
	}
}

// manyIDs returns n datastream ids as a JSON list body.
func manyIDs(n int) string {
	b, _ := json.Marshal(rangeOf(1, uint64(n)))
	return string(b[1 : len(b)-1])
}

func TestParseQueryEchoesNormalizedFilter(t *testing.T) {
	q, _ := url.ParseQuery("devEui=70B3D57ED0000002,70b3d57ed0000001&datastream=21&" +
		"datastream=11,21&property=x&from=42&other=ignored")
	sub, err := parseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%v %v %v %d %t", sub.filter.spec.DevEUIs, sub.filter.spec.Datastreams,
		sub.filter.spec.Properties, sub.from, sub.resume)
	want := "[70b3d57ed0000001 70b3d57ed0000002] [11 21] [x] 42 true"
	if got != want {
		t.Errorf("parsed %s, want %s", got, want)
	}
}

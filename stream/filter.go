package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vindel-hub/vindel/internal/model"
)

// maxFilterValues bounds how many values one filter kind may list.
const maxFilterValues = 1000

// maxPropertyLen bounds the length of one ObservedProperty name in a filter.
const maxPropertyLen = 128

// errBadRequest marks a subscription the client got wrong; its message goes to the client.
var errBadRequest = errors.New("bad request")

// filterSpec is a filter as the client wrote it, normalized; it is echoed in "subscribed".
type filterSpec struct {
	DevEUIs     []string `json:"devEuis"`
	Datastreams []int64  `json:"datastreams"`
	Properties  []string `json:"properties"`
}

// filter is a compiled filterSpec: kinds ANDed, values within a kind ORed, empty = all.
type filter struct {
	spec  filterSpec
	euis  map[string]struct{}
	ds    map[int64]struct{}
	props map[string]struct{}
}

// subscription is what a client asked for: a filter and, when resume is set, the offset after
// which replay starts.
type subscription struct {
	filter *filter
	from   uint64
	resume bool
}

// all reports whether f matches every Datastream, so no lookup is needed to apply it.
func (f *filter) all() bool {
	return len(f.euis) == 0 && len(f.ds) == 0 && len(f.props) == 0
}

// match reports whether ds passes f.
func (f *filter) match(ds *model.Datastream) bool {
	if len(f.ds) > 0 {
		if _, ok := f.ds[ds.ID]; !ok {
			return false
		}
	}
	if len(f.euis) > 0 {
		if _, ok := f.euis[strings.ToLower(ds.DevEUI)]; !ok {
			return false
		}
	}
	if len(f.props) > 0 {
		if _, ok := f.props[ds.Property]; !ok {
			return false
		}
	}
	return true
}

// compile checks and normalizes spec and builds its lookup sets.
func compile(spec filterSpec) (*filter, error) {
	if len(spec.DevEUIs) > maxFilterValues || len(spec.Datastreams) > maxFilterValues ||
		len(spec.Properties) > maxFilterValues {
		return nil, fmt.Errorf("%w: at most %d values per filter kind", errBadRequest,
			maxFilterValues)
	}
	f := &filter{
		euis:  make(map[string]struct{}, len(spec.DevEUIs)),
		ds:    make(map[int64]struct{}, len(spec.Datastreams)),
		props: make(map[string]struct{}, len(spec.Properties)),
	}
	for _, e := range spec.DevEUIs {
		e = strings.ToLower(e)
		if !isEUI(e) {
			return nil, fmt.Errorf("%w: devEui %q is not 16 hex digits", errBadRequest, e)
		}
		f.euis[e] = struct{}{}
	}
	for _, id := range spec.Datastreams {
		if id <= 0 {
			return nil, fmt.Errorf("%w: datastream %d is not a positive id", errBadRequest, id)
		}
		f.ds[id] = struct{}{}
	}
	for _, p := range spec.Properties {
		if p == "" || len(p) > maxPropertyLen {
			return nil, fmt.Errorf("%w: property must be 1 to %d bytes", errBadRequest,
				maxPropertyLen)
		}
		f.props[p] = struct{}{}
	}
	f.spec = normalized(f)
	return f, nil
}

// normalized lists f's sets sorted, so "subscribed" echoes a canonical filter.
func normalized(f *filter) filterSpec {
	s := filterSpec{DevEUIs: []string{}, Datastreams: []int64{}, Properties: []string{}}
	for e := range f.euis {
		s.DevEUIs = append(s.DevEUIs, e)
	}
	for id := range f.ds {
		s.Datastreams = append(s.Datastreams, id)
	}
	for p := range f.props {
		s.Properties = append(s.Properties, p)
	}
	slices.Sort(s.DevEUIs)
	slices.Sort(s.Datastreams)
	slices.Sort(s.Properties)
	return s
}

// isEUI reports whether s is a 64-bit EUI as 16 lower-case hex digits.
func isEUI(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// message is a client frame. Unknown fields are ignored, so clients may send newer ones.
type message struct {
	Type        string   `json:"type"`
	DevEUIs     []string `json:"devEuis"`
	Datastreams []int64  `json:"datastreams"`
	Properties  []string `json:"properties"`
	From        *uint64  `json:"from"`
}

// parseMessage reads a client's subscribe frame.
func parseMessage(b []byte) (subscription, error) {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return subscription{}, fmt.Errorf("%w: message is not a subscribe object: %w",
			errBadRequest, err)
	}
	if m.Type != "subscribe" {
		return subscription{}, fmt.Errorf("%w: unknown message type %q", errBadRequest, m.Type)
	}
	f, err := compile(filterSpec{DevEUIs: m.DevEUIs, Datastreams: m.Datastreams,
		Properties: m.Properties})
	if err != nil {
		return subscription{}, err
	}
	sub := subscription{filter: f}
	if m.From != nil {
		sub.from, sub.resume = *m.From, true
	}
	return sub, nil
}

// parseQuery reads a subscription from URL query parameters; values may repeat or be
// comma-separated. Other parameters are ignored.
func parseQuery(q url.Values) (subscription, error) {
	spec := filterSpec{DevEUIs: splitList(q["devEui"]), Properties: splitList(q["property"])}
	for _, s := range splitList(q["datastream"]) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return subscription{}, fmt.Errorf("%w: datastream %q is not an integer",
				errBadRequest, s)
		}
		spec.Datastreams = append(spec.Datastreams, id)
	}
	f, err := compile(spec)
	if err != nil {
		return subscription{}, err
	}
	sub := subscription{filter: f}
	if from := q.Get("from"); from != "" {
		sub.from, err = parseOffset(from)
		if err != nil {
			return subscription{}, err
		}
		sub.resume = true
	}
	return sub, nil
}

// parseOffset reads a stream offset from a query parameter or a Last-Event-ID header.
func parseOffset(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: offset %q is not a non-negative integer", errBadRequest, s)
	}
	return n, nil
}

// splitList flattens repeated and comma-separated values, dropping empty ones.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

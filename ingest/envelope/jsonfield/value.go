package jsonfield

import (
	"unicode/utf8"

	"github.com/vindel-hub/vindel/ingest"
)

// Bool reads true or false; null gives false.
func (r *Reader) Bool() bool {
	switch r.Kind() {
	case 't':
		r.literal("true")
		return true
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	default:
		r.fail("want a boolean")
	}
	return false
}

// Value reads any value as encoding/json would into an interface: map[string]any, []any,
// string, float64, bool or nil. A repeated key keeps its last value.
func (r *Reader) Value() any {
	switch r.Kind() {
	case '{':
		m := make(map[string]any)
		r.Object()
		for r.Next() {
			k := r.Key()
			if !utf8.Valid(k) {
				k = toValidUTF8(k)
			}
			m[string(k)] = r.Value()
		}
		return m
	case '[':
		a := []any{}
		r.Array()
		for r.NextItem() {
			a = append(a, r.Value())
		}
		return a
	case '"':
		return r.String()
	case 't', 'f':
		return r.Bool()
	case 'n':
		r.literal("null")
		return nil
	case '0':
		return r.Float()
	}
	r.fail("want a value")
	return nil
}

// ObjectValue reads an object as a map (the network server's decoded payload). Any other
// value is skipped and gives nil: the decoded object is informative, and its absence must
// not cost the uplink.
func (r *Reader) ObjectValue() map[string]any {
	if r.Kind() != '{' {
		r.Skip()
		return nil
	}
	m, _ := r.Value().(map[string]any)
	if r.err != nil {
		return nil
	}
	return m
}

// StringMap reads an object of strings (device tags). Members that are not strings are
// skipped; null and {} give nil.
func (r *Reader) StringMap() map[string]string {
	var m map[string]string
	if !r.Object() {
		return nil
	}
	for r.Next() {
		if r.Kind() != '"' {
			r.Skip()
			continue
		}
		k := string(r.Key())
		if m == nil {
			m = make(map[string]string, 4)
		}
		m[k] = r.String()
	}
	return m
}

// Location reads a gateway position {latitude, longitude, altitude}; null, a missing one, and
// 0,0 (what the protobuf JSON mapping emits for an unset one) give nil.
func (r *Reader) Location() *ingest.Point {
	var p ingest.Point
	if !r.Object() {
		return nil
	}
	for r.Next() {
		switch string(r.Key()) {
		case "latitude":
			p.Latitude = r.Float()
		case "longitude":
			p.Longitude = r.Float()
		case "altitude":
			p.Altitude = r.Float()
		default:
			r.Skip()
		}
	}
	if p.Latitude == 0 && p.Longitude == 0 {
		return nil
	}
	return &p
}

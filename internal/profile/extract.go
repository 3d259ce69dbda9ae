package profile

import (
	"strconv"
	"strings"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// Reading is one value a profile found in a decoded object.
type Reading struct {
	Field int         // index into Profile.Fields
	Value model.Value // the value, converted to the field's datatype where it was a string
	Time  time.Time   // the device's own timestamp, zero when the payload carries none
}

// Extract walks the decoded object and returns a Reading for every field whose path holds a
// scalar. A path that is absent is no error: many devices send some values only in some frames
// (Decentlab sends only the battery in every tenth frame, for example).
func (p *Profile) Extract(data map[string]any, out []Reading) []Reading {
	w := walk{out: out}
	for i := range p.Fields {
		f := &p.Fields[i]
		w.field, w.typ = i, f.resolved.Type
		tpath := f.timePath
		if tpath == nil {
			tpath = noTime
		}
		w.collect(data, f.path, tpath, time.Time{})
	}
	return w.out
}

// noTime is the time path of a field without one: it parts from every value path at once
// and resolves to the zero time.
var noTime = []string{}

func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// walk follows a value path and a time path through a decoded object together while they
// share keys. Where they part, the time path is resolved from that point; where the value path
// meets a list, the rest of both paths applies to each element.
type walk struct {
	field int
	typ   string
	out   []Reading
}

func (w *walk) collect(x any, path, tpath []string, t time.Time) {
	for len(path) > 0 {
		if tpath != nil && (len(tpath) == 0 || tpath[0] != path[0]) {
			if _, isList := x.([]any); !isList || isIndex(path[0]) {
				t, tpath = resolveTime(x, tpath), nil
			}
		}
		switch v := x.(type) {
		case map[string]any:
			x, path = v[path[0]], path[1:]
			if tpath != nil {
				tpath = tpath[1:]
			}
		case []any:
			if !isIndex(path[0]) {
				for _, el := range v {
					w.collect(el, path, tpath, t)
				}
				return
			}
			i, _ := strconv.Atoi(path[0])
			if i >= len(v) {
				return
			}
			x, path = v[i], path[1:]
		default:
			return
		}
	}
	if val, ok := convert(x, w.typ); ok {
		w.out = append(w.out, Reading{Field: w.field, Value: val, Time: t})
	}
}

func isIndex(key string) bool {
	i, err := strconv.Atoi(key)
	return err == nil && i >= 0
}

// resolveTime reads a device timestamp: an RFC 3339 string or Unix seconds.
func resolveTime(x any, path []string) time.Time {
	for _, k := range path {
		m, ok := x.(map[string]any)
		if !ok {
			return time.Time{}
		}
		x = m[k]
	}
	switch v := x.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}
		}
		return t.UTC()
	case float64:
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9)).UTC()
	}
	return time.Time{}
}

// convert turns a decoded scalar into a Value of the field's observation type. Vendors send
// some numbers as strings (Dragino LSE01 "24.59"): a numeric field parses them.
func convert(x any, typ string) (model.Value, bool) {
	v, ok := model.ValueOf(x)
	if !ok || v.Kind == model.KindNull {
		return model.Value{}, false
	}
	if typ == model.OMMeasurement || typ == model.OMCountObs {
		if v.Kind == model.KindString {
			f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
			if err != nil {
				return model.Value{}, false
			}
			return model.Number(f), true
		}
	}
	return v, true
}

// Package senml decodes SenML JSON packs (RFC 8428, application/senml+json): it resolves
// the base fields, names and times of each record (RFC 8428 §4.6) and returns the
// measurements by name.
package senml

import (
	"fmt"
	"math"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
)

// Version is the SenML version this package implements (RFC 8428 §4.1: the default
// version, 10). A pack declaring a larger bver is rejected (§4.4).
const Version = 10

// relativeLimit: a time below 2^28 is relative to "now" (RFC 8428 §4.5.3).
const relativeLimit = 1 << 28

// Bounds on times, so every resolved time has a four-digit year in RFC 3339: relative
// offsets back to 2^32 s (about 136 years), absolute times before year 10000.
const (
	minRelative = -(1 << 32)
	maxAbsolute = 253402300800
)

// Record is one resolved SenML record (RFC 8428 §4.6): base name, time, unit, value and
// sum applied, the time made absolute.
type Record struct {
	Name string
	Unit string // "" if neither u nor bu applies
	// Value is a float64 (v, with bv added), string (vs), bool (vb), []byte (vd, decoded
	// from base64url), or nil for a record that carries only a sum.
	Value any
	Sum   *float64 // nil if neither s nor bs applies
	Time  time.Time
}

// base holds the base fields in force (RFC 8428 §4: a base field applies to its record and
// those after it, until a record carries the same base field again).
type base struct {
	name       string
	time       float64
	unit       string
	value      float64
	sum        float64
	hasSum     bool
	version    float64
	hasVersion bool
}

// Resolve parses a SenML JSON pack and resolves its records, in pack order. Relative times
// are taken from now. Records carrying only base fields (as in RFC 8428 §5.1.7) give no
// Record. Every error wraps codec.ErrInvalid.
func Resolve(b []byte, now time.Time) ([]Record, error) {
	pack, err := parsePack(b)
	if err != nil {
		return nil, err
	}

	var st base
	recs := make([]Record, 0, len(pack))
	for i := range pack {
		r := &pack[i]
		if err := st.apply(i, r); err != nil {
			return nil, fmt.Errorf("senml: record %d: %w", i, err)
		}
		if r.baseOnly() {
			continue
		}
		rec, err := st.resolve(r, now)
		if err != nil {
			return nil, fmt.Errorf("senml: record %d: %w", i, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// apply takes the record's base fields into the state, checking the version rules of
// RFC 8428 §4.4: a positive integer, no larger than Version, the same in the whole pack.
func (st *base) apply(i int, r *rawRecord) error {
	if r.has&hasBver != 0 {
		v := r.bver
		if v < 1 || v != math.Trunc(v) {
			return fmt.Errorf("bver %v is not a positive integer: %w", v, codec.ErrInvalid)
		}
		if v > Version {
			return fmt.Errorf("bver %v is newer than %d: %w", v, Version, codec.ErrInvalid)
		}
		if (st.hasVersion || i > 0) && v != st.effectiveVersion() {
			return fmt.Errorf("bver %v differs from the pack's %v: %w",
				v, st.effectiveVersion(), codec.ErrInvalid)
		}
		st.version, st.hasVersion = v, true
	}
	if r.has&hasBn != 0 {
		st.name = r.bn
	}
	if r.has&hasBt != 0 {
		st.time = r.bt
	}
	if r.has&hasBu != 0 {
		st.unit = r.bu
	}
	if r.has&hasBv != 0 {
		st.value = r.bv
	}
	if r.has&hasBs != 0 {
		st.sum, st.hasSum = r.bs, true
	}
	return nil
}

func (st *base) effectiveVersion() float64 {
	if st.hasVersion {
		return st.version
	}
	return Version
}

// resolve applies the base state to a record with a value or sum (RFC 8428 §4.5, §4.6).
func (st *base) resolve(r *rawRecord, now time.Time) (Record, error) {
	rec := Record{Name: st.name + r.n, Unit: st.unit}
	if err := checkName(rec.Name); err != nil {
		return Record{}, err
	}
	if r.has&hasU != 0 { // §4.5.2: the record's unit, else the base unit
		rec.Unit = r.u
	}

	switch { // §4.5.4: the base value is added to a numeric value only
	case r.has&hasV != 0:
		rec.Value = st.value + r.v
	case r.has&hasVs != 0:
		rec.Value = r.vs
	case r.has&hasVb != 0:
		rec.Value = r.vb
	case r.has&hasVd != 0:
		rec.Value = r.vd
	}
	if r.has&hasS != 0 || st.hasSum { // §4.5.4: a missing one of bs and s counts as zero
		s := st.sum + r.s
		rec.Sum = &s
	}

	t, err := resolveTime(st.time+r.t, now)
	if err != nil {
		return Record{}, err
	}
	rec.Time = t
	return rec, nil
}

// resolveTime turns bt + t into an absolute UTC time (RFC 8428 §4.5.3): below 2^28 it is
// seconds relative to now, else seconds since the Unix epoch. Times are kept to the
// microsecond, which a double holds for absolute times for the next century (§5).
func resolveTime(t float64, now time.Time) (time.Time, error) {
	if t < relativeLimit {
		if t < minRelative {
			return time.Time{}, fmt.Errorf("relative time %v s is too far back: %w",
				t, codec.ErrInvalid)
		}
		d := time.Duration(math.Round(t*1e6)) * time.Microsecond
		return now.Add(d).UTC(), nil
	}
	if t >= maxAbsolute {
		return time.Time{}, fmt.Errorf("time %v is after year 9999: %w", t, codec.ErrInvalid)
	}
	sec := math.Floor(t)
	us := math.Round((t - sec) * 1e6)
	return time.Unix(int64(sec), int64(us)*1000).UTC(), nil
}

// checkName applies RFC 8428 §4.5.1 to a concatenated name: only A-Z, a-z, 0-9, "-", ":",
// ".", "/" and "_", starting with a letter or digit.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("no name (neither bn nor n): %w", codec.ErrInvalid)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if alnum || i > 0 && (c == '-' || c == ':' || c == '.' || c == '/' || c == '_') {
			continue
		}
		return fmt.Errorf("name %q: character %q at %d not allowed: %w",
			name, c, i, codec.ErrInvalid)
	}
	return nil
}

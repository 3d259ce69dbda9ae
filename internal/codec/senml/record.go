package senml

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/vindel-hub/vindel/internal/codec"
)

// Field presence bits of a rawRecord.
const (
	hasBn = 1 << iota
	hasBt
	hasBu
	hasBv
	hasBs
	hasBver
	hasN
	hasU
	hasV
	hasVs
	hasVb
	hasVd
	hasS
	hasT
	hasUt
)

// valueFields are the value labels of which a record carries exactly one (RFC 8428 §4.2).
const valueFields = hasV | hasVs | hasVb | hasVd

// regularFields are the labels that make a record more than a carrier of base fields.
const regularFields = hasN | hasU | hasV | hasVs | hasVb | hasVd | hasS | hasT | hasUt

// rawRecord is one record's fields, typed, before base fields are applied.
type rawRecord struct {
	has              int
	bn, bu, n, u, vs string
	bt, bv, bs, bver float64
	v, s, t, ut      float64
	vb               bool
	vd               []byte
}

// baseOnly reports a record with base fields only, such as the first record of
// RFC 8428 §5.1.7: it sets base values and is not a measurement.
func (r *rawRecord) baseOnly() bool { return r.has&regularFields == 0 }

// labels maps each JSON label of RFC 8428 Table 2 to its presence bit.
var labels = map[string]int{
	"bn": hasBn, "bt": hasBt, "bu": hasBu, "bv": hasBv, "bs": hasBs, "bver": hasBver,
	"n": hasN, "u": hasU, "v": hasV, "vs": hasVs, "vb": hasVb, "vd": hasVd,
	"s": hasS, "t": hasT, "ut": hasUt,
}

// field types one field (RFC 8428 Table 2). Labels are compared byte by byte (§3).
// Unknown labels are ignored unless they end in "_" (§4.4). A repeated label keeps its
// last value.
func (r *rawRecord) field(label, raw []byte) error {
	bit, known := labels[string(label)]
	if !known {
		if bytes.HasSuffix(label, []byte("_")) {
			return fmt.Errorf("label %q must be understood: %w", label, codec.ErrInvalid)
		}
		return nil
	}
	if err := r.set(bit, raw); err != nil {
		return fmt.Errorf("label %q: %w", label, err)
	}
	r.has |= bit
	return nil
}

// check applies the value rule of RFC 8428 §4.2: exactly one value field, or none if
// there is a sum. A record of base fields only is let through (§5.1.7).
func (r *rawRecord) check() error {
	if n := popcount(r.has & valueFields); n > 1 {
		return fmt.Errorf("%d value fields, at most one allowed: %w", n, codec.ErrInvalid)
	}
	if !r.baseOnly() && r.has&valueFields == 0 && r.has&hasS == 0 {
		return fmt.Errorf("no value field (v, vs, vb or vd) and no sum: %w",
			codec.ErrInvalid)
	}
	return nil
}

// set stores one field's JSON value, checking its JSON type.
func (r *rawRecord) set(bit int, raw []byte) error {
	var err error
	switch bit {
	case hasBn:
		r.bn, err = jsonString(raw)
	case hasBu:
		r.bu, err = jsonString(raw)
	case hasN:
		r.n, err = jsonString(raw)
	case hasU:
		r.u, err = jsonString(raw)
	case hasVs:
		r.vs, err = jsonString(raw)
	case hasVd:
		r.vd, err = dataValue(raw)
	case hasVb:
		r.vb, err = jsonBool(raw)
	default:
		var f float64
		f, err = jsonNumber(raw)
		*r.number(bit) = f
	}
	return err
}

// number is the float field for a numeric label's bit.
func (r *rawRecord) number(bit int) *float64 {
	switch bit {
	case hasBt:
		return &r.bt
	case hasBv:
		return &r.bv
	case hasBs:
		return &r.bs
	case hasBver:
		return &r.bver
	case hasV:
		return &r.v
	case hasS:
		return &r.s
	case hasT:
		return &r.t
	default:
		return &r.ut
	}
}

// jsonString reads a JSON string; the common case of no escapes and ASCII only is sliced
// without a second decode.
func jsonString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", fmt.Errorf("want a string, got %.20s: %w", raw, codec.ErrInvalid)
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && ascii(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("bad string: %v: %w", err, codec.ErrInvalid)
	}
	return s, nil
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// jsonNumber reads a JSON number (already validated by encoding/json) as a double.
func jsonNumber(raw []byte) (float64, error) {
	if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, fmt.Errorf("want a number, got %.20s: %w", raw, codec.ErrInvalid)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, fmt.Errorf("number %.20s out of range: %w", raw, codec.ErrInvalid)
	}
	return f, nil
}

func jsonBool(raw []byte) (bool, error) {
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %.20s: %w", raw, codec.ErrInvalid)
}

// dataValue reads vd: base64 with the URL-safe alphabet, padding omitted (RFC 8428 §5,
// RFC 4648 §5). Padding is tolerated.
func dataValue(raw []byte) ([]byte, error) {
	s, err := jsonString(raw)
	if err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("vd is not base64url: %v: %w", err, codec.ErrInvalid)
	}
	return b, nil
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

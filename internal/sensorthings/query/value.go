// Package query parses and evaluates the OData query options of SensorThings API 1.1
// (OGC 18-088 §9.3): $filter, $orderby, $select, $expand, $top, $skip and $count.
//
// The package knows nothing of entities: a filter or an $orderby key is compiled against a
// Binder that the caller supplies, which turns property paths such as "result" or
// "Datastream/Thing/name" into Getters over the caller's own entity type.
package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the dynamic type of a Value.
type Kind uint8

// The kinds of Value.
const (
	Null Kind = iota
	Number
	String
	Bool
	Time     // an instant: T in Unix nanoseconds
	Interval // a half-open time interval [T, End) in Unix nanoseconds
	Duration // a length of time: T in nanoseconds
)

// Value is the result of evaluating an expression. It is a small value type so that
// evaluating a filter over many entities does not allocate.
type Value struct {
	Kind   Kind
	Num    float64 // Number; Bool as 0 or 1
	Str    string  // String
	T, End int64   // Time, Interval, Duration
}

// NumberValue returns a Number.
func NumberValue(f float64) Value { return Value{Kind: Number, Num: f} }

// StringValue returns a String.
func StringValue(s string) Value { return Value{Kind: String, Str: s} }

// BoolValue returns a Bool.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, Num: 1}
	}
	return Value{Kind: Bool}
}

// TimeValue returns a Time. The zero time.Time gives Null.
func TimeValue(t time.Time) Value {
	if t.IsZero() {
		return Value{}
	}
	return Value{Kind: Time, T: t.UnixNano()}
}

// IntervalValue returns an Interval from start to end; equal ends give an instant-like
// interval. A zero start gives Null.
func IntervalValue(start, end time.Time) Value {
	if start.IsZero() {
		return Value{}
	}
	return Value{Kind: Interval, T: start.UnixNano(), End: end.UnixNano()}
}

// Truthy reports whether v is the boolean true. Filters keep an entity only when their
// expression is Truthy; null and every non-boolean value count as false.
func Truthy(v Value) bool { return v.Kind == Bool && v.Num != 0 }

// Time returns the instant of a Time value (or the start of an Interval) in UTC.
func (v Value) Time() time.Time { return time.Unix(0, v.T).UTC() }

// String formats v the way it is compared with string literals: numbers as their shortest
// decimal form ("10", "2.5"), booleans as true/false, times in ISO 8601 with Z.
func (v Value) String() string {
	switch v.Kind {
	case Number:
		return formatNumber(v.Num)
	case String:
		return v.Str
	case Bool:
		return strconv.FormatBool(v.Num != 0)
	case Time:
		return v.Time().Format(time.RFC3339Nano)
	case Interval:
		end := time.Unix(0, v.End).UTC()
		return v.Time().Format(time.RFC3339Nano) + "/" + end.Format(time.RFC3339Nano)
	case Duration:
		return formatDuration(v.T)
	}
	return "null"
}

// formatDuration writes nanoseconds as an ISO 8601 duration in seconds, e.g. PT3600S.
func formatDuration(ns int64) string {
	sign := ""
	if ns < 0 {
		sign, ns = "-", -ns
	}
	secs := strconv.FormatInt(ns/1e9, 10)
	if frac := ns % 1e9; frac != 0 {
		secs += strings.TrimRight(fmt.Sprintf(".%09d", frac), "0")
	}
	return sign + "PT" + secs + "S"
}

// formatNumber writes f like encoding/json does, so "result gt '3'" compares against the
// same text a client sees in the response.
func formatNumber(f float64) string {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// Collate compares a and b for sorting: -1, 0 or +1. Nulls sort first (OData 4.01 Part 2
// §5.1.1.11: null is smaller than any other value), then values of different kinds by kind,
// then values by their natural order. NaN sorts before every other number.
func Collate(a, b Value) int {
	if a.Kind != b.Kind {
		if a.Kind == Null || (a.Kind < b.Kind && b.Kind != Null) {
			return -1
		}
		return 1
	}
	switch a.Kind {
	case Number:
		return cmpFloat(a.Num, b.Num)
	case String:
		return strings.Compare(a.Str, b.Str)
	case Bool:
		return cmpFloat(a.Num, b.Num)
	case Time, Duration:
		return cmpInt(a.T, b.T)
	case Interval:
		if c := cmpInt(a.T, b.T); c != 0 {
			return c
		}
		return cmpInt(a.End, b.End)
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return -1
	}
	return 1
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package query

import (
	"math"
	"strings"
	"time"
)

// Compare applies a comparison operator (eq, ne, gt, ge, lt, le).
//
//   - null equals only null; every ordering comparison with null is false (a Datastream
//     without Observations has a null phenomenonTime and matches no time filter — FROST #116).
//   - Numbers compare numerically, strings by code point, booleans false < true.
//   - A string against a number or a boolean compares as strings: the OGC test
//     "result gt '3'" over results 1…12 matches 4…9 only (specs §0.3).
//   - Times compare as instants; intervals follow FROST's half-open [start, end) rules
//     (specs §3.4, Time).
//   - Other mixes are unequal and unordered.
func Compare(op Op, a, b Value) bool {
	if a.Kind == Null || b.Kind == Null {
		both := a.Kind == Null && b.Kind == Null
		return (op == OpEq && both) || (op == OpNe && !both)
	}
	c, ok := order(a, b, op)
	if !ok {
		return op == OpNe
	}
	return holds(op, c)
}

// order returns the sign of a − b when a and b are comparable.
func order(a, b Value, op Op) (int, bool) {
	if isTimeKind(a.Kind) || isTimeKind(b.Kind) {
		return compareTimes(a, b, op)
	}
	switch {
	case a.Kind == b.Kind && (a.Kind == Number || a.Kind == Bool):
		if math.IsNaN(a.Num) || math.IsNaN(b.Num) {
			return 0, false
		}
		return cmpFloat(a.Num, b.Num), true
	case a.Kind == Duration && b.Kind == Duration:
		return cmpInt(a.T, b.T), true
	case a.Kind == String || b.Kind == String:
		if a.Kind == Duration || b.Kind == Duration {
			return 0, false
		}
		return strings.Compare(a.String(), b.String()), true
	}
	return 0, false
}

func holds(op Op, c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	}
	return false
}

func isTimeKind(k Kind) bool { return k == Time || k == Interval }

// compareTimes handles instants and intervals. A string that parses as an ISO 8601 time
// counts as a time; any other partner is incomparable.
func compareTimes(a, b Value, op Op) (int, bool) {
	var ok bool
	if a, ok = asTime(a); !ok {
		return 0, false
	}
	if b, ok = asTime(b); !ok {
		return 0, false
	}
	if a.Kind == Time && b.Kind == Time {
		return cmpInt(a.T, b.T), true
	}
	return truthSign(op, intervalHolds(op, a, b)), true
}

func asTime(v Value) (Value, bool) {
	switch v.Kind {
	case Time, Interval:
		return v, true
	case String:
		if t, err := time.Parse(time.RFC3339Nano, v.Str); err == nil {
			return Value{Kind: Time, T: t.UnixNano()}, true
		}
	}
	return Value{}, false
}

// intervalHolds applies op when at least one side is an interval [start, end), following
// FROST's StaTimeIntervalWrapper (specs §3.4, Time). Interval I against instant t:
//
//	I gt t: start > t            I ge t: start >= t
//	I lt t: end <= t, start < t  I le t: end <= t
//	I eq t: start = end = t
//
// An instant against an interval is the mirror image (t lt I is I gt t). Two intervals:
// a lt b when a ends by the start of b (and starts before it), a gt b mirrored, le and ge
// without the strictness, eq when both ends agree.
func intervalHolds(op Op, a, b Value) bool {
	if a.Kind == Time {
		return intervalHolds(mirror[op], b, a)
	}
	s, e := a.T, a.End
	if b.Kind == Time {
		t := b.T
		switch op {
		case OpGt:
			return s > t
		case OpGe:
			return s >= t
		case OpLt:
			return e <= t && s < t
		case OpLe:
			return e <= t
		case OpEq:
			return s == t && e == t
		}
		return !(s == t && e == t)
	}
	bs, be := b.T, b.End
	switch op {
	case OpGt:
		return s >= be && e > be
	case OpGe:
		return s >= be
	case OpLt:
		return e <= bs && s < bs
	case OpLe:
		return e <= bs
	case OpEq:
		return s == bs && e == be
	}
	return !(s == bs && e == be)
}

// mirror swaps the sides of a comparison: a op b is b mirror[op] a.
var mirror = [...]Op{OpEq: OpEq, OpNe: OpNe, OpGt: OpLt, OpLt: OpGt, OpGe: OpLe, OpLe: OpGe}

// truthSign returns a sign for which holds(op, sign) == yes.
func truthSign(op Op, yes bool) int {
	switch op {
	case OpEq:
		if yes {
			return 0
		}
		return 1
	case OpNe:
		if yes {
			return 1
		}
		return 0
	case OpGt, OpGe:
		if yes {
			return 1
		}
		return -1
	}
	if yes {
		return -1
	}
	return 1
}

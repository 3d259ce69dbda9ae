package query

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The instants a Value can hold (Unix nanoseconds in an int64).
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

// parseTimeLiteral reads an instant or an interval "start/end" or "start/duration".
// Instants must carry a zone: a zone-less time is ambiguous, so it is rejected rather than
// guessed (specs §5 #7). A date alone means midnight UTC.
func parseTimeLiteral(text string, pos int) (Value, error) {
	start, rest, isInterval := strings.Cut(text, "/")
	t0, err := parseInstant(start, pos)
	if err != nil {
		return Value{}, err
	}
	if !isInterval {
		return Value{Kind: Time, T: t0.UnixNano()}, nil
	}

	var t1 time.Time
	if strings.HasPrefix(rest, "P") || strings.HasPrefix(rest, "p") {
		d, err := parseDuration(rest, pos)
		if err != nil {
			return Value{}, err
		}
		t1 = t0.Add(time.Duration(d))
	} else if t1, err = parseInstant(rest, pos); err != nil {
		return Value{}, err
	}
	if t1.Before(t0) {
		return Value{}, errorf(pos, "interval %q ends before it starts", text)
	}
	return Value{Kind: Interval, T: t0.UnixNano(), End: t1.UnixNano()}, nil
}

func parseInstant(s string, pos int) (time.Time, error) {
	layout := time.RFC3339Nano
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, errorf(pos,
			"bad datetime literal %q: want ISO 8601 with a zone, e.g. 2024-05-01T12:00:00Z"+
				" (send '+' as %%2B)", s)
	}
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, errorf(pos, "datetime %q is out of range", s)
	}
	return t.UTC(), nil
}

// parseDuration reads an ISO 8601 duration made of days, hours, minutes and seconds
// (PnDTnHnMnS), optionally negative, into nanoseconds. Years and months have no fixed length
// and are refused. Only the seconds may have a fraction (at most 9 digits).
func parseDuration(s string, pos int) (int64, error) {
	bad := errorf(pos, "bad duration %q: want PnDTnHnMnS", s)
	neg := strings.HasPrefix(s, "-")
	s = strings.ToUpper(strings.TrimPrefix(s, "-"))
	if !strings.HasPrefix(s, "P") || len(s) < 3 || strings.HasSuffix(s, "T") {
		return 0, bad
	}
	var total int64
	inTime := false
	num := ""
	for _, c := range s[1:] {
		switch {
		case c >= '0' && c <= '9' || c == '.':
			num += string(c)
		case c == 'T' && !inTime && num == "":
			inTime = true
		case num != "":
			unit, ok := durationUnit(c, inTime)
			if !ok {
				return 0, bad
			}
			n, ok := decimalNanos(num, unit)
			if !ok || total > math.MaxInt64-n {
				return 0, bad
			}
			total += n
			num = ""
		default:
			return 0, bad
		}
	}
	if num != "" {
		return 0, bad
	}
	if neg {
		total = -total
	}
	return total, nil
}

// decimalNanos multiplies a decimal number by a unit in nanoseconds, exactly.
func decimalNanos(num string, unit int64) (int64, bool) {
	whole, frac, hasFrac := strings.Cut(num, ".")
	if whole == "" || (hasFrac && (unit != 1e9 || frac == "" || len(frac) > 9)) {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/unit {
		return 0, false
	}
	n := w * unit
	if hasFrac {
		f, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if err != nil || n > math.MaxInt64-f {
			return 0, false
		}
		n += f
	}
	return n, true
}

func durationUnit(c rune, inTime bool) (int64, bool) {
	switch {
	case c == 'D' && !inTime:
		return 24 * 3600e9, true
	case c == 'H' && inTime:
		return 3600e9, true
	case c == 'M' && inTime:
		return 60e9, true
	case c == 'S' && inTime:
		return 1e9, true
	}
	return 0, false
}

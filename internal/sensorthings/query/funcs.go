package query

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// function is a built-in query function of 18-088 Table 24/25 (string, date, math and
// temporal functions). Arguments are evaluated before the call.
type function struct {
	minArgs, maxArgs int
	fn               func(args []Value) Value
}

// functions lists what is implemented. The geospatial functions (geo.*, st_*) are not:
// Vindel's geometries are single points, and they answer 400 rather than a wrong result.
var functions = map[string]function{
	"substringof": {2, 2, strTest(func(a, b string) bool { return strings.Contains(b, a) })},
	"startswith":  {2, 2, strTest(strings.HasPrefix)},
	"endswith":    {2, 2, strTest(strings.HasSuffix)},
	"indexof":     {2, 2, str2(indexOf)},
	"concat":      {2, 2, str2(func(a, b string) Value { return StringValue(a + b) })},
	"length":      {1, 1, str1(func(s string) Value { return count(utf8.RuneCountInString(s)) })},
	"tolower":     {1, 1, str1(func(s string) Value { return StringValue(strings.ToLower(s)) })},
	"toupper":     {1, 1, str1(func(s string) Value { return StringValue(strings.ToUpper(s)) })},
	"trim":        {1, 1, str1(func(s string) Value { return StringValue(strings.TrimSpace(s)) })},
	"substring":   {2, 3, substring},

	"year":               {1, 1, timePart(func(t time.Time) int { return t.Year() })},
	"month":              {1, 1, timePart(func(t time.Time) int { return int(t.Month()) })},
	"day":                {1, 1, timePart(func(t time.Time) int { return t.Day() })},
	"hour":               {1, 1, timePart(func(t time.Time) int { return t.Hour() })},
	"minute":             {1, 1, timePart(func(t time.Time) int { return t.Minute() })},
	"second":             {1, 1, timePart(func(t time.Time) int { return t.Second() })},
	"totaloffsetminutes": {1, 1, timePart(func(time.Time) int { return 0 })}, // UTC only
	"fractionalseconds":  {1, 1, fractionalSeconds},
	"date":               {1, 1, timeFormat(time.DateOnly)},
	"time":               {1, 1, timeFormat("15:04:05.999999999")},
	"now":                {0, 0, func([]Value) Value { return TimeValue(time.Now()) }},
	"mindatetime":        {1, 1, intervalEnd(false)},
	"maxdatetime":        {1, 1, intervalEnd(true)},

	"round":   {1, 1, num1(math.Round)},
	"floor":   {1, 1, num1(math.Floor)},
	"ceiling": {1, 1, num1(math.Ceil)},

	// Temporal relations over [start, end); an instant t is [t, t] (18-088 Table 25).
	"before":   {2, 2, temporal(before)},
	"after":    {2, 2, temporal(func(a, b interval) bool { return before(b, a) })},
	"meets":    {2, 2, temporal(meets)},
	"during":   {2, 2, temporal(during)},
	"overlaps": {2, 2, temporal(overlaps)},
	"starts":   {2, 2, temporal(func(a, b interval) bool { return a.start == b.start })},
	"finishes": {2, 2, temporal(func(a, b interval) bool { return a.end == b.end })},
}

func before(a, b interval) bool { return a.end <= b.start && a.start < b.start }
func meets(a, b interval) bool  { return a.start == b.end || a.end == b.start }
func during(a, b interval) bool { return a.start >= b.start && a.end <= b.end }

func strTest(f func(a, b string) bool) func([]Value) Value {
	return str2(func(a, b string) Value { return BoolValue(f(a, b)) })
}

func compileCall[E any](c *Call, bind Binder[E]) (Getter[E], error) {
	f, ok := functions[c.Name]
	if !ok {
		if strings.HasPrefix(c.Name, "geo.") || strings.HasPrefix(c.Name, "st_") {
			return nil, errorf(-1, "geospatial function %s is not supported", c.Name)
		}
		return nil, errorf(-1, "unknown function %s", c.Name)
	}
	if len(c.Args) < f.minArgs || len(c.Args) > f.maxArgs {
		return nil, errorf(-1, "%s takes %s, not %d", c.Name, arity(f), len(c.Args))
	}
	args := make([]Getter[E], len(c.Args))
	for i, a := range c.Args {
		g, err := Compile(a, bind)
		if err != nil {
			return nil, err
		}
		args[i] = g
	}
	return func(e E) Value {
		var buf [3]Value
		vals := buf[:len(args)]
		for i, g := range args {
			vals[i] = g(e)
		}
		return f.fn(vals)
	}, nil
}

func arity(f function) string {
	names := []string{"no arguments", "one argument", "two arguments", "three arguments"}
	if f.minArgs == f.maxArgs {
		return names[f.minArgs]
	}
	return names[f.minArgs] + " or " + names[f.maxArgs]
}

func count(n int) Value { return NumberValue(float64(n)) }

func str1(f func(string) Value) func([]Value) Value {
	return func(a []Value) Value {
		if a[0].Kind != String {
			return Value{}
		}
		return f(a[0].Str)
	}
}

func str2(f func(a, b string) Value) func([]Value) Value {
	return func(a []Value) Value {
		if a[0].Kind != String || a[1].Kind != String {
			return Value{}
		}
		return f(a[0].Str, a[1].Str)
	}
}

func indexOf(s, sub string) Value {
	i := strings.Index(s, sub)
	if i < 0 {
		return count(-1)
	}
	return count(utf8.RuneCountInString(s[:i]))
}

// substring uses 0-based offsets counted in characters (specs §3.4: substring(name, 4) of
// "Thing 4" is "g 4").
func substring(a []Value) Value {
	if a[0].Kind != String || a[1].Kind != Number || (len(a) == 3 && a[2].Kind != Number) {
		return Value{}
	}
	r := []rune(a[0].Str)
	from := clamp(a[1].Num, len(r))
	to := len(r)
	if len(a) == 3 {
		to = from + clamp(a[2].Num, len(r)-from)
	}
	return StringValue(string(r[from:to]))
}

func clamp(f float64, hi int) int {
	switch {
	case math.IsNaN(f) || f < 0:
		return 0
	case f > float64(hi):
		return hi
	}
	return int(f)
}

func num1(f func(float64) float64) func([]Value) Value {
	return func(a []Value) Value {
		if a[0].Kind != Number {
			return Value{}
		}
		return NumberValue(f(a[0].Num))
	}
}

func timeArg(v Value) (time.Time, bool) {
	if v, ok := asTime(v); ok {
		return v.Time(), true
	}
	return time.Time{}, false
}

func timePart(f func(time.Time) int) func([]Value) Value {
	return func(a []Value) Value {
		t, ok := timeArg(a[0])
		if !ok {
			return Value{}
		}
		return count(f(t))
	}
}

func timeFormat(layout string) func([]Value) Value {
	return func(a []Value) Value {
		t, ok := timeArg(a[0])
		if !ok {
			return Value{}
		}
		return StringValue(t.Format(layout))
	}
}

func fractionalSeconds(a []Value) Value {
	t, ok := timeArg(a[0])
	if !ok {
		return Value{}
	}
	return NumberValue(float64(t.Nanosecond()) / 1e9)
}

func intervalEnd(end bool) func([]Value) Value {
	return func(a []Value) Value {
		v, ok := asTime(a[0])
		if !ok {
			return Value{}
		}
		if end && v.Kind == Interval {
			return Value{Kind: Time, T: v.End}
		}
		return Value{Kind: Time, T: v.T}
	}
}

func temporal(f func(a, b interval) bool) func([]Value) Value {
	return func(a []Value) Value {
		x, ok1 := asTime(a[0])
		y, ok2 := asTime(a[1])
		if !ok1 || !ok2 {
			return Value{}
		}
		return BoolValue(f(span(x), span(y)))
	}
}

func overlaps(a, b interval) bool {
	if a.start == b.start {
		return true
	}
	return a.start < b.end && b.start < a.end
}

// interval is a time span for the temporal functions; an instant t is [t, t].
type interval struct{ start, end int64 }

func span(v Value) interval {
	if v.Kind == Interval {
		return interval{v.T, v.End}
	}
	return interval{v.T, v.T}
}

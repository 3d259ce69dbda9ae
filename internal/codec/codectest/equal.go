package codectest

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
)

// Tolerances of a number comparison. Vendor decoders do their sums in float64 (Decentlab's
// formulas give values such as 41.63221740722656), so an exact match could fail on the last
// bit: testdata/README.md says to compare with a tolerance.
const (
	// Tolerance is the difference allowed relative to the expected number.
	Tolerance = 1e-9
	// ZeroTolerance is the absolute difference allowed where the expected number is within
	// Tolerance of zero, where a relative bound would demand an exact match.
	ZeroTolerance = 1e-12
)

// Equal reports, with tb.Errorf, every difference between got and want, and whether there
// was none. Both are values as encoding/json decodes them (map[string]any, []any, float64,
// string, bool, nil), which is what codec.Output.Data must hold: a value of another Go type
// is a difference, not something converted. Maps are compared in both directions, so a
// missing key and an unexpected key are each reported. Each message starts with the path of
// the value, beginning at what, e.g. "data.history[0].temperature".
func Equal(tb testing.TB, what string, got, want any) bool {
	tb.Helper()
	diffs := diff(what, got, want)
	for _, d := range diffs {
		tb.Errorf("%s", d)
	}
	return len(diffs) == 0
}

// JSON passes data through encoding/json, as a consumer of the hub sees it. It fails the test
// when data does not marshal. Compare its result with Equal to accept any Go type that
// marshals to the expected JSON (int for float64, []float64 for []any).
func JSON(tb testing.TB, data map[string]any) map[string]any {
	tb.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		tb.Fatalf("marshal output: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("unmarshal output: %v", err)
	}
	return out
}

// diff returns one line per difference between got and want, below path.
func diff(path string, got, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T %v", path, got, got)}
		}
		return diffMaps(path, g, w)
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want list, got %T %v", path, got, got)}
		}
		if len(w) != len(g) {
			return []string{fmt.Sprintf("%s: want %d items, got %d: %v", path, len(w), len(g), g)}
		}
		var out []string
		for i := range w {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return out
	case float64:
		g, ok := got.(float64)
		if !ok {
			return []string{fmt.Sprintf("%s: want number %v, got %T %v", path, w, got, got)}
		}
		if !closeEnough(g, w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, w, g)}
		}
		return nil
	default:
		// DeepEqual is == for the comparable JSON values, and does not panic on a
		// hand-written want of another type.
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: want %T %#v, got %T %#v", path, want, want, got, got)}
		}
		return nil
	}
}

// diffMaps compares the keys of both maps in sorted order, so that messages are stable.
func diffMaps(path string, got, want map[string]any) []string {
	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	var out []string
	for _, k := range keys {
		wv, inWant := want[k]
		gv, inGot := got[k]
		switch {
		case !inWant:
			out = append(out, fmt.Sprintf("%s.%s: unexpected key, value %v", path, k, gv))
		case !inGot:
			out = append(out, fmt.Sprintf("%s.%s: missing, want %v", path, k, wv))
		default:
			out = append(out, diff(path+"."+k, gv, wv)...)
		}
	}
	return out
}

// closeEnough applies Tolerance, or ZeroTolerance near zero.
func closeEnough(got, want float64) bool {
	d := math.Abs(want - got)
	if math.Abs(want) < Tolerance {
		return d <= ZeroTolerance
	}
	return d <= Tolerance*math.Abs(want)
}

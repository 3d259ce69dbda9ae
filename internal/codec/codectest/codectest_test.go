package codectest

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing the test, so that the
// helpers' own failures can be checked. Methods it does not override panic (nil TB).
type recorder struct {
	testing.TB
	errs  []string
	fatal bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

// record runs fn with a recorder on its own goroutine, as Fatalf ends the goroutine.
func record(fn func(tb testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

type obj = map[string]any

func TestDiff(t *testing.T) {
	tests := []struct {
		name      string
		got, want any
		diffs     []string // a substring of each difference, in order
	}{
		{"equal nested", obj{"a": []any{1.0, obj{"b": "x"}}, "n": nil},
			obj{"a": []any{1.0, obj{"b": "x"}}, "n": nil}, nil},
		{"within relative tolerance", obj{"v": 41.63221740722656 * (1 + 5e-10)},
			obj{"v": 41.63221740722656}, nil},
		{"outside relative tolerance", obj{"v": 41.6322175}, obj{"v": 41.63221740722656},
			[]string{"data.v: want 41.63221740722656, got 41.6322175"}},
		{"near zero within 1e-12", obj{"v": 1e-13}, obj{"v": 0.0}, nil},
		{"near zero outside 1e-12", obj{"v": 1e-11}, obj{"v": 0.0}, []string{"data.v:"}},
		{"missing and unexpected keys, sorted", obj{"b": 1.0, "c": 2.0}, obj{"a": 1.0, "b": 1.0},
			[]string{"data.a: missing", "data.c: unexpected key"}},
		{"path into a list", obj{"h": []any{obj{"t": 1.0}, obj{"t": 3.0}}},
			obj{"h": []any{obj{"t": 1.0}, obj{"t": 2.0}}}, []string{"data.h[1].t: want 2"}},
		{"list length", []any{1.0}, []any{1.0, 2.0}, []string{"want 2 items, got 1"}},
		{"int is not a JSON number", obj{"v": 3}, obj{"v": 3.0}, []string{"want number 3, got int"}},
		{"object expected", obj{"v": "x"}, obj{"v": obj{}}, []string{"data.v: want object"}},
		{"string differs", obj{"v": "a"}, obj{"v": "b"}, []string{`want string "b"`}},
		{"bool differs", obj{"v": false}, obj{"v": true}, []string{"want bool true"}},
		{"every difference reported", obj{"a": 1.0, "b": 1.0}, obj{"a": 2.0, "b": 2.0},
			[]string{"data.a:", "data.b:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := diff("data", tc.got, tc.want)
			if len(got) != len(tc.diffs) {
				t.Fatalf("differences %q, want %d", got, len(tc.diffs))
			}
			for i, want := range tc.diffs {
				if !strings.Contains(got[i], want) {
					t.Errorf("difference %d is %q, want it to contain %q", i, got[i], want)
				}
			}
			r := record(func(tb testing.TB) { Equal(tb, "data", tc.got, tc.want) })
			if len(r.errs) != len(tc.diffs) || r.fatal {
				t.Errorf("Equal reported %q (fatal %v), want %d errors", r.errs, r.fatal,
					len(tc.diffs))
			}
		})
	}
}

func TestJSON(t *testing.T) {
	got := JSON(t, obj{"n": 3, "l": []float64{1.5}})
	Equal(t, "data", got, obj{"n": 3.0, "l": []any{1.5}})

	r := record(func(tb testing.TB) { JSON(tb, obj{"v": math.NaN()}) })
	if !r.fatal {
		t.Error("NaN marshalled")
	}
}

package codectest

import (
	"errors"
	"math"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
)

// fixed is a decoder that always returns out and err.
func fixed(out codec.Output, err error) codec.Decoder {
	return codec.DecoderFunc(func(codec.Input) (codec.Output, error) { return out, err })
}

var errOther = errors.New("other")

func TestCheckDecode(t *testing.T) {
	tests := []struct {
		name       string
		out        codec.Output
		err        error
		classified []error
		fatal      bool
	}{
		{"data marshals", codec.Output{Data: obj{"v": 1.0}}, nil, nil, false},
		{"NaN does not marshal", codec.Output{Data: obj{"v": math.NaN()}}, nil, nil, true},
		{"any error without a list", codec.Output{}, errOther, nil, false},
		{"classified error", codec.Output{},
			errors.Join(errOther, codec.ErrTruncated), []error{codec.ErrTruncated}, false},
		{"unclassified error", codec.Output{}, errOther,
			[]error{codec.ErrTruncated, codec.ErrInvalid}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := fixed(tc.out, tc.err)
			r := record(func(tb testing.TB) { CheckDecode(tb, d, codec.Input{}, tc.classified...) })
			if r.fatal != tc.fatal {
				t.Errorf("fatal %v, want %v (%q)", r.fatal, tc.fatal, r.errs)
			}
		})
	}
}

func TestCheckVector(t *testing.T) {
	ok := Vector{Expected: Expected{Data: obj{"v": 1.0}}}
	bad := Vector{Expected: Expected{Errors: []string{"unknown FPort"}}}
	tests := []struct {
		name   string
		d      codec.Decoder
		v      Vector
		errors int
		fatal  bool
	}{
		{"same data", fixed(codec.Output{Data: obj{"v": 1.0}}, nil), ok, 0, false},
		{"other data", fixed(codec.Output{Data: obj{"v": 2.0}}, nil), ok, 1, false},
		{"NaN data", fixed(codec.Output{Data: obj{"v": math.NaN()}}, nil), ok, 2, false},
		{"decode error", fixed(codec.Output{}, codec.ErrInvalid), ok, 1, true},
		{"error expected and given", fixed(codec.Output{}, codec.ErrUnknownFPort), bad, 0, false},
		{"error expected, data given", fixed(codec.Output{Data: obj{}}, nil), bad, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := record(func(tb testing.TB) { CheckVector(tb, tc.d, codec.Input{}, tc.v) })
			if len(r.errs) != tc.errors || r.fatal != tc.fatal {
				t.Errorf("errors %q fatal %v, want %d fatal %v", r.errs, r.fatal, tc.errors,
					tc.fatal)
			}
		})
	}
}

func TestCheckOutput(t *testing.T) {
	one := codec.Output{Data: obj{"v": 1.0}, Warnings: []string{"w"}}
	tests := []struct {
		name     string
		out      codec.Output
		err      error
		warnings int
		errors   int
		fatal    bool
	}{
		{"as wanted", one, nil, 1, 0, false},
		{"warning count differs", one, nil, 0, 1, false},
		{"data differs too", codec.Output{Data: obj{"v": 2.0}}, nil, 1, 2, false},
		{"decode error", codec.Output{}, codec.ErrTruncated, 0, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := record(func(tb testing.TB) {
				CheckOutput(tb, tc.out, tc.err, obj{"v": 1.0}, tc.warnings)
			})
			if len(r.errs) != tc.errors || r.fatal != tc.fatal {
				t.Errorf("errors %q fatal %v, want %d fatal %v", r.errs, r.fatal, tc.errors,
					tc.fatal)
			}
		})
	}
}

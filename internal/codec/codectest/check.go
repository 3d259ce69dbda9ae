package codectest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
)

// CheckVector decodes in with d and checks the result against v: an error where the vendor's
// decoder gave errors (any error: vendors word them differently), otherwise no error, data
// Equal to v.Expected.Data, and data that JSON-marshals. in is usually v.Input, with
// Variables added where the decoder needs them.
func CheckVector(tb testing.TB, d codec.Decoder, in codec.Input, v Vector) {
	tb.Helper()
	out, err := d.Decode(in)
	if len(v.Expected.Errors) > 0 {
		if err == nil {
			tb.Fatalf("want error %v, got data %v", v.Expected.Errors, out.Data)
		}
		return
	}
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}

	Equal(tb, "data", out.Data, v.Expected.Data)
	if _, err := json.Marshal(out.Data); err != nil {
		tb.Errorf("data not JSON-marshalable: %v (%v)", err, out.Data)
	}
}

// CheckOutput checks the result of a decode that must succeed: no error, exactly warnings
// warnings, and data Equal to want. It is the body of the hand-worked table tests.
func CheckOutput(tb testing.TB, out codec.Output, err error, want map[string]any,
	warnings int) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}
	if len(out.Warnings) != warnings {
		tb.Errorf("want %d warnings, got %q", warnings, out.Warnings)
	}
	Equal(tb, "data", out.Data, want)
}

// CheckDecode is the body of a decoder's fuzz target: d must decode in without panicking,
// and, when it succeeds, its data must JSON-marshal (the pipeline stores and republishes
// it as JSON). When classified errors are given, an error must match one of them
// (errors.Is), so that the pipeline can count it; with none given, any error is accepted.
func CheckDecode(tb testing.TB, d codec.Decoder, in codec.Input, classified ...error) {
	tb.Helper()
	out, err := d.Decode(in)
	if err != nil {
		if len(classified) > 0 && !isOneOf(err, classified) {
			tb.Fatalf("unclassified error %v", err)
		}
		return
	}
	if _, err := json.Marshal(out.Data); err != nil {
		tb.Fatalf("data not JSON-marshalable: %v (%v)", err, out.Data)
	}
}

func isOneOf(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

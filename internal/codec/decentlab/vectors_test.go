package decentlab

import (
	"slices"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

// allVectors are the Decentlab lines of the shared ttn-vectors.jsonl and the vendor examples
// of this package; codectest.Vectors fails the test when either file has none.
func allVectors(tb testing.TB) []codectest.Vector {
	tb.Helper()
	vs := codectest.Vectors(tb, codectest.TTNVectors, codectest.Vendor("decentlab"))
	examples := codectest.Vectors(tb, "testdata/vendor-examples.jsonl",
		func(v codectest.Vector) bool { return v.Model != "" })
	return append(vs, examples...)
}

// modelOf is the vector's DL model, lower case, e.g. "dl-sht35": the vendor examples name it
// in "model", the shared vectors in "device".
func modelOf(v codectest.Vector) string {
	if v.Model != "" {
		return v.Model
	}
	return v.Device
}

func TestVectors(t *testing.T) {
	decs := Decoders()
	for _, v := range allVectors(t) {
		t.Run(modelOf(v)+"/"+v.Description, func(t *testing.T) {
			d, ok := decs["decentlab-"+modelOf(v)]
			if !ok {
				t.Fatalf("no decoder for %s", modelOf(v))
			}
			codectest.CheckVector(t, d, v.Input(t), v)
		})
	}
}

// TestEveryModelHasAVector keeps the table honest: a model is only listed once a vendor
// example checks its formulas.
func TestEveryModelHasAVector(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range allVectors(t) {
		if len(v.Expected.Data) > 2 { // more than protocol_version and device_id
			seen["decentlab-"+modelOf(v)] = true
		}
	}
	var missing []string
	for name := range Decoders() {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("models without a vector that decodes a sensor: %s", strings.Join(missing, ", "))
	}
}

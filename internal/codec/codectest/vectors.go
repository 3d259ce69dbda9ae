// Package codectest holds the test helpers that every codec.Decoder package shares: reading
// the shared vendor vectors, comparing decoded objects, and the checks of a vector test and of
// a fuzz target. It is imported only by _test.go files; nothing in the hub links it.
package codectest

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
)

// Paths of the shared vector files, relative to a decoder package's directory
// (internal/codec/<name>), which is where `go test` runs that package's tests.
const (
	// TTNVectors holds the uplinkDecoder examples of the vendors' codec definitions in
	// TheThingsNetwork/lorawan-devices (testdata/README.md tells the provenance).
	TTNVectors = "../../../testdata/ttn-vectors.jsonl"
	// LPPVectors holds Cayenne LPP payloads with the object ChirpStack v3 decodes them to.
	LPPVectors = "../../../testdata/cayennelpp-vectors.jsonl"
)

// Vector is one line of a vector file: ttn-vectors.jsonl, cayennelpp-vectors.jsonl, or a
// package's own file of the same shape (decentlab/testdata/vendor-examples.jsonl).
type Vector struct {
	Vendor      string   `json:"vendor"` // lorawan-devices vendor folder, e.g. "elsys"
	Device      string   `json:"device"` // lorawan-devices device or codec name
	Model       string   `json:"model"`  // set in decentlab/testdata/vendor-examples.jsonl
	Format      string   `json:"format"` // set in cayennelpp-vectors.jsonl: "cayennelpp"
	Description string   `json:"description"`
	FPort       uint8    `json:"fPort"` // 0 where the file has null
	BytesHex    string   `json:"bytes_hex"`
	Expected    Expected `json:"expected"`
}

// Expected is what the vendor's own decoder gives for a Vector: an object, or errors.
type Expected struct {
	Data   map[string]any `json:"data"`
	Errors []string       `json:"errors"` // non-empty: decoding must fail
}

// UnmarshalJSON reads a vector line. Lines with a "format" (cayennelpp-vectors.jsonl) hold
// the decoded object itself as "expected"; the other files hold {data, warnings, errors}.
func (v *Vector) UnmarshalJSON(b []byte) error {
	type fields Vector // without this method
	var line struct {
		fields
		Expected json.RawMessage `json:"expected"`
	}
	if err := json.Unmarshal(b, &line); err != nil {
		return fmt.Errorf("vector: %w", err)
	}
	*v = Vector(line.fields)
	if len(line.Expected) == 0 {
		return nil
	}

	var err error
	if v.Format != "" {
		err = json.Unmarshal(line.Expected, &v.Expected.Data)
	} else {
		err = json.Unmarshal(line.Expected, &v.Expected)
	}
	if err != nil {
		return fmt.Errorf("vector %q: expected: %w", v.Description, err)
	}
	return nil
}

// Bytes returns the vector's payload; it fails the test when bytes_hex is not hex.
func (v Vector) Bytes(tb testing.TB) []byte {
	tb.Helper()
	b, err := hex.DecodeString(v.BytesHex)
	if err != nil {
		tb.Fatalf("%s: bad bytes_hex: %v", v.Description, err)
	}
	return b
}

// Input returns the decoder input of the vector: its FPort and payload.
func (v Vector) Input(tb testing.TB) codec.Input {
	tb.Helper()
	return codec.Input{FPort: v.FPort, Bytes: v.Bytes(tb)}
}

// Vectors returns the vectors in the JSONL file at path for which match is true (every line
// when match is nil). It fails the test when none match, so that a test ranging over the
// result can never pass without checking anything.
func Vectors(tb testing.TB, path string, match func(Vector) bool) []Vector {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open vectors: %v", err)
	}
	defer f.Close()

	var out []Vector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var v Vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s:%d: %v", path, n, err)
		}
		if match == nil || match(v) {
			out = append(out, v)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	if len(out) == 0 {
		tb.Fatalf("no matching vectors in %s", path)
	}
	return out
}

// Vendor matches the vectors of vendor and, when devices are given, of those devices only.
func Vendor(vendor string, devices ...string) func(Vector) bool {
	return func(v Vector) bool {
		return v.Vendor == vendor && (len(devices) == 0 || slices.Contains(devices, v.Device))
	}
}

// Hex decodes a hand-written payload such as "CB F6 0B 0D"; spaces are ignored. It fails
// the test when s is not hex.
func Hex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

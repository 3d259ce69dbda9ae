package elsys

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"testing"
)

// vectorsPath is the shared uplink examples file (testdata/README.md tells its provenance).
const vectorsPath = "../../../testdata/ttn-vectors.jsonl"

// vector is one line of ttn-vectors.jsonl.
type vector struct {
	Vendor      string `json:"vendor"`
	Device      string `json:"device"`
	Description string `json:"description"`
	FPort       uint8  `json:"fPort"`
	BytesHex    string `json:"bytes_hex"`
	Expected    struct {
		Data   map[string]any `json:"data"`
		Errors []string       `json:"errors"`
	} `json:"expected"`
}

// bytes returns the vector's payload.
func (v vector) bytes(tb testing.TB) []byte {
	tb.Helper()
	b, err := hex.DecodeString(v.BytesHex)
	if err != nil {
		tb.Fatalf("%s: bad bytes_hex: %v", v.Description, err)
	}
	return b
}

// loadVectors returns the vectors of vendor (and of the given devices, if any). It fails the
// test when there are none, so a vector test can never pass without checking anything.
func loadVectors(tb testing.TB, vendor string, devices ...string) []vector {
	tb.Helper()
	f, err := os.Open(vectorsPath)
	if err != nil {
		tb.Fatalf("open vectors: %v", err)
	}
	defer f.Close()

	want := map[string]bool{}
	for _, d := range devices {
		want[d] = true
	}
	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("parse vector: %v", err)
		}
		if v.Vendor == vendor && (len(want) == 0 || want[v.Device]) {
			out = append(out, v)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read vectors: %v", err)
	}
	if len(out) == 0 {
		tb.Fatalf("no vectors for vendor %q devices %v in %s", vendor, devices, vectorsPath)
	}
	return out
}

// diff compares a decoded value with the expected one after JSON decoding: same keys, same
// nesting, floats equal within a relative 1e-9 (absolute 1e-9 near zero). It returns one line
// per difference.
func diff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T", path, got)}
		}
		return diffMaps(path, w, g)
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want list, got %T", path, got)}
		}
		if len(w) != len(g) {
			return []string{fmt.Sprintf("%s: want %d items, got %d", path, len(w), len(g))}
		}
		var out []string
		for i := range w {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	case float64:
		g, ok := got.(float64)
		if !ok {
			return []string{fmt.Sprintf("%s: want number %v, got %T %v", path, w, got, got)}
		}
		if !closeEnough(w, g) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, w, g)}
		}
		return nil
	default:
		if want != got {
			return []string{fmt.Sprintf("%s: want %T %v, got %T %v", path, want, want, got, got)}
		}
		return nil
	}
}

func diffMaps(path string, w, g map[string]any) []string {
	keys := map[string]bool{}
	for k := range w {
		keys[k] = true
	}
	for k := range g {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)

	var out []string
	for _, k := range sorted {
		wv, inW := w[k]
		gv, inG := g[k]
		switch {
		case !inW:
			out = append(out, fmt.Sprintf("%s.%s: unexpected key, value %v", path, k, gv))
		case !inG:
			out = append(out, fmt.Sprintf("%s.%s: missing, want %v", path, k, wv))
		default:
			out = append(out, diff(path+"."+k, wv, gv)...)
		}
	}
	return out
}

func closeEnough(want, got float64) bool {
	d := math.Abs(want - got)
	if math.Abs(want) < 1e-9 {
		return d <= 1e-9
	}
	return d <= 1e-9*math.Abs(want)
}

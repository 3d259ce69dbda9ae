package decentlab

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
)

// vector is one decoder example: a line of the shared ttn-vectors.jsonl or of this
// package's testdata/vendor-examples.jsonl.
type vector struct {
	Vendor      string `json:"vendor"`
	Device      string `json:"device"`
	Model       string `json:"model"`
	Description string `json:"description"`
	FPort       *int   `json:"fPort"`
	BytesHex    string `json:"bytes_hex"`
	Expected    struct {
		Data   map[string]any `json:"data"`
		Errors []string       `json:"errors"`
	} `json:"expected"`
}

// model is the vector's DL model, lower case, e.g. "dl-sht35".
func (v vector) model() string {
	if v.Model != "" {
		return v.Model
	}
	return v.Device
}

// loadVectors reads the Decentlab lines of a JSONL file.
func loadVectors(t testing.TB, path string) []vector {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open vectors: %v", err)
	}
	defer f.Close()

	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if v.Vendor == "decentlab" || v.Model != "" {
			out = append(out, v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// allVectors are the shared vectors and the vendor examples of this package.
func allVectors(t testing.TB) []vector {
	t.Helper()
	vs := loadVectors(t, "../../../testdata/ttn-vectors.jsonl")
	vs = append(vs, loadVectors(t, "testdata/vendor-examples.jsonl")...)
	if len(vs) == 0 {
		t.Fatal("no Decentlab vectors found")
	}
	return vs
}

func (v vector) input(t testing.TB) codec.Input {
	t.Helper()
	b, err := hex.DecodeString(v.BytesHex)
	if err != nil {
		t.Fatalf("bad hex %q: %v", v.BytesHex, err)
	}
	in := codec.Input{Bytes: b}
	if v.FPort != nil {
		in.FPort = uint8(*v.FPort)
	}
	return in
}

func TestVectors(t *testing.T) {
	decs := Decoders()
	shared := 0
	for _, v := range allVectors(t) {
		if v.Vendor == "decentlab" {
			shared++
		}
		t.Run(v.model()+"/"+v.Description, func(t *testing.T) {
			d, ok := decs["decentlab-"+v.model()]
			if !ok {
				t.Fatalf("no decoder for %s", v.model())
			}
			out, err := d.Decode(v.input(t))
			if len(v.Expected.Errors) > 0 {
				if err == nil {
					t.Fatalf("want an error (%v), got %v", v.Expected.Errors, out.Data)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := compare("data", v.Expected.Data, roundTrip(t, out.Data)); diff != "" {
				t.Error(diff)
			}
		})
	}
	if shared == 0 {
		t.Fatal("no Decentlab lines in the shared ttn-vectors.jsonl")
	}
}

// TestEveryModelHasAVector keeps the table honest: a model is only listed once a vendor
// example checks its formulas.
func TestEveryModelHasAVector(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range allVectors(t) {
		if len(v.Expected.Data) > 2 { // more than protocol_version and device_id
			seen["decentlab-"+v.model()] = true
		}
	}
	var missing []string
	for name := range Decoders() {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("models without a vector that decodes a sensor: %s", strings.Join(missing, ", "))
	}
}

// roundTrip passes the output through encoding/json, as a consumer would see it, which
// also proves it marshals.
func roundTrip(t testing.TB, data map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatalf("marshal output: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal output: %v", err)
	}
	return out
}

// compare reports the first difference between want and got, numbers within 1e-9
// relative, or "".
func compare(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want object, got %T %v", path, got, got)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s: unexpected key %q = %v", path, k, g[k])
			}
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s: missing key %q", path, k)
			}
			if d := compare(path+"."+k, wv, gv); d != "" {
				return d
			}
		}
		return ""
	case float64:
		g, ok := got.(float64)
		if !ok {
			return fmt.Sprintf("%s: want %v, got %T %v", path, w, got, got)
		}
		if d := math.Abs(w - g); d > 1e-9*math.Abs(w) && d > 1e-12 {
			return fmt.Sprintf("%s: want %v, got %v", path, w, g)
		}
		return ""
	default:
		if want != got {
			return fmt.Sprintf("%s: want %#v, got %#v", path, want, got)
		}
		return ""
	}
}

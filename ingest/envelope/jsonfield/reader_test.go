package jsonfield

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vindel-hub/vindel/ingest"
)

func TestReaderValue(t *testing.T) {
	tests := []struct {
		name, in string
		want     any // nil with ok false: an error
		ok       bool
	}{
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, map[string]any{
			"a": 1.0, "b": []any{true, false, nil}, "c": map[string]any{"d": "e"}}, true},
		{"escapes", `"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`, "a\"b\\c/d\b\f\n\r\té😀", true},
		{"lone surrogate", `"\ud800x"`, "\ufffdx", true},
		{"numbers", `[0,-0.5,1e3,2E-2,-12.25e+1]`, []any{0.0, -0.5, 1000.0, 0.02, -122.5}, true},
		{"empty containers", ` { "a" : [ ] , "b" : { } } `, map[string]any{"a": []any{},
			"b": map[string]any{}}, true},
		{"repeated key", `{"a":1,"a":2}`, map[string]any{"a": 2.0}, true},
		{"trailing comma", `{"a":1,}`, nil, false},
		{"leading zero", `01`, nil, false},
		{"bare dot", `1.`, nil, false},
		{"control char", "\"a\x01\"", nil, false},
		{"bad escape", `"\x"`, nil, false},
		{"short unicode", `"\u12"`, nil, false},
		{"unterminated", `{"a":"b`, nil, false},
		{"garbage after", `{} x`, nil, false},
		{"bad literal", `nul`, nil, false},
		{"out of range", `1e400`, nil, false},
		{"too deep", strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), nil,
			false},
		{"empty", ``, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader([]byte(tc.in))
			got := r.Value()
			r.End()
			if err := r.Err(); (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err := r.Err(); err != nil && !errors.Is(err, ErrSyntax) {
				t.Errorf("err %v does not wrap ErrSyntax", err)
			}
			if tc.ok && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestReaderFields(t *testing.T) {
	in := `{"u":"868100000","n":17,"s":null,"t":{"a":"x","b":2},"loc":{"latitude":1.5,
		"longitude":2,"altitude":3},"zero":{"latitude":0,"longitude":0}}`
	r := NewReader([]byte(in))
	var u, n uint64
	var tags map[string]string
	var loc, zero *ingest.Point
	s := "unset"
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "u":
			u = r.Uint()
		case "n":
			n = r.Uint()
		case "s":
			s = r.String()
		case "t":
			tags = r.StringMap()
		case "loc":
			loc = r.Location()
		case "zero":
			zero = r.Location()
		default:
			r.Skip()
		}
	}
	r.End()
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if u != 868100000 || n != 17 || s != "" {
		t.Errorf("u %d n %d s %q", u, n, s)
	}
	if !reflect.DeepEqual(tags, map[string]string{"a": "x"}) {
		t.Errorf("tags %v: want only the string member", tags)
	}
	if *loc != (ingest.Point{Latitude: 1.5, Longitude: 2, Altitude: 3}) || zero != nil {
		t.Errorf("loc %v zero %v", loc, zero)
	}
}

func TestReaderUintRejects(t *testing.T) {
	for _, in := range []string{`-1`, `1.5`, `"x"`, `true`, `{}`, `18446744073709551616`} {
		t.Run(in, func(t *testing.T) {
			r := NewReader([]byte(in))
			r.Uint()
			if r.Err() == nil {
				t.Errorf("Uint(%s) accepted", in)
			}
		})
	}
}

// FuzzReader checks Value and Skip against encoding/json: Value accepts what json.Unmarshal
// accepts and decodes it to the same value; Skip accepts what json.Valid accepts.
func FuzzReader(f *testing.F) {
	for _, dir := range []string{"../../../testdata/chirpstack-samples",
		"../../../testdata/tts-samples"} {
		files, _ := filepath.Glob(dir + "/*.json")
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`"\ud83d\ude00\u0000"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want any
		stdErr := json.Unmarshal(b, &want)

		r := NewReader(b)
		got := r.Value()
		r.End()
		if errors.Is(r.Err(), ErrSyntax) && strings.Contains(r.Err().Error(), "too deep") {
			return
		}
		if (stdErr == nil) != (r.Err() == nil) {
			t.Fatalf("encoding/json: %v, Reader: %v", stdErr, r.Err())
		}
		if stdErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Reader %#v, encoding/json %#v", got, want)
		}

		s := NewReader(b)
		s.Skip()
		s.End()
		if json.Valid(b) != (s.Err() == nil) {
			t.Fatalf("json.Valid: %v, Skip: %v", json.Valid(b), s.Err())
		}
	})
}

package senml

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
)

// referenceParse reads a pack with encoding/json's token stream, field by field in
// document order, as a slow but plain reference for parsePack.
func referenceParse(b []byte) ([]rawRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fmt.Errorf("not an array: %v", err)
	}
	var recs []rawRecord
	for dec.More() {
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("not an object: %v", err)
		}
		var r rawRecord
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, err
			}
			if err := r.field([]byte(tok.(string)), raw); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		if err := r.check(); err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data after the pack")
	}
	if len(recs) == 0 {
		return nil, errors.New("empty pack")
	}
	return recs, nil
}

func TestParsePackMatchesReference(t *testing.T) {
	packs := []string{
		` [ {"n" : "a" , "v":1 } , {"n":"b","vs":"x\"y"} ] `,
		`[{"n":"x","v":1,"n":"y"}]`,
		`[{"\u006e":"x","v":1}]`,
		`[{"n":"x","v":1,"z":{"a":["}",{"b":"]"}]}}]`,
		`[{"n":"x","v":-1.5e-3,"t":0}]`,
		`[{}]`,
		`[{"bn":"a"},{"n":"b","s":1}]`,
	}
	for _, ex := range rfcExamples {
		packs = append(packs, ex.pack)
	}
	for _, p := range packs {
		t.Run(p, func(t *testing.T) { checkAgainstReference(t, []byte(p)) })
	}
}

func checkAgainstReference(t *testing.T, b []byte) {
	t.Helper()
	got, err := parsePack(b)
	want, werr := referenceParse(b)
	if (err == nil) != (werr == nil) {
		t.Fatalf("parsePack error %v, reference error %v", err, werr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("parsePack %+v, reference %+v", got, want)
	}
}

// FuzzParsePack checks the scanner against the reference on any input.
func FuzzParsePack(f *testing.F) {
	for _, ex := range append(rfcExamples[:len(rfcExamples):len(rfcExamples)], moreExamples...) {
		f.Add([]byte(ex.pack))
	}
	f.Add([]byte(`[{"n":"x","v":1,"z":{"a":["}",{"b":"]"}]}}]`))
	f.Fuzz(func(t *testing.T, b []byte) { checkAgainstReference(t, b) })
}

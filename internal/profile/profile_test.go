package profile

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/model"
)

const testVocab = `
properties:
  air_temperature: {definition: "http://example.org/t", ngsi: temperature, unit: Cel}
  relative_humidity: {definition: "http://example.org/h", unit: "%"}
  door_state: {definition: "http://example.org/d", datatype: string}
units:
  Cel: {name: degree Celsius, symbol: "°C", definition: "http://qudt.org/vocab/unit/DEG_C", uncefact: CEL}
  "%": {name: percent, symbol: "%", definition: "http://qudt.org/vocab/unit/PERCENT", uncefact: P1}
  mV: {name: millivolt, symbol: mV, definition: "http://qudt.org/vocab/unit/MilliV", uncefact: 2Z}
`

const goodProfile = `
vendor: acme
model: th1
name: Acme TH1
firmware: ["*"]
decoder: fake
fields:
  - {path: temperature, property: air_temperature}
  - {path: rh.value, property: relative_humidity}
`

var fakeDecoders = map[string]codec.Decoder{
	"fake": codec.DecoderFunc(func(codec.Input) (codec.Output, error) { return codec.Output{}, nil }),
}

func load(t *testing.T, files map[string]string) (*Set, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return Load(fsys, fakeDecoders)
}

func TestLoadGood(t *testing.T) {
	s, err := load(t, map[string]string{VocabularyFile: testVocab, "acme/th1.yaml": goodProfile})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.Select("acme/th1", "")
	if !ok {
		t.Fatal("acme/th1 not selected")
	}
	r := p.Resolved(0)
	if r.Property.NGSI != "temperature" || r.Unit.UCUM != "Cel" || r.Unit.Symbol != "°C" ||
		r.UNCEFACT != "CEL" || r.Type != model.OMMeasurement {
		t.Errorf("resolved field 0 = %+v", r)
	}
	if p.Key() != "acme/th1@*" || p.Source != "acme/th1.yaml" {
		t.Errorf("key %q source %q", p.Key(), p.Source)
	}
}

func TestLoadBroken(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(goodProfile, old, new, 1) }
	tests := []struct {
		name, file, body, want string
	}{
		{"not yaml", "acme/th1.yaml", "vendor: [", "acme/th1.yaml"},
		{"unknown key", "acme/th1.yaml", goodProfile + "colour: red\n", "field colour not found"},
		{"unknown decoder", "acme/th1.yaml", replace("decoder: fake", "decoder: nope"), `"nope"`},
		{"unknown property", "acme/th1.yaml", replace("relative_humidity", "moonlight"), `"moonlight"`},
		{"unknown unit", "acme/th1.yaml",
			replace("property: air_temperature}", "property: air_temperature, unit: furlong}"), "furlong"},
		{"property twice", "acme/th1.yaml", replace("relative_humidity", "air_temperature"), "twice"},
		{"no firmware", "acme/th1.yaml", replace(`firmware: ["*"]`, ""), "firmware"},
		{"no fields", "acme/th1.yaml", goodProfile[:strings.Index(goodProfile, "fields:")], "no fields"},
		{"folder mismatch", "other/th1.yaml", goodProfile, "must match its folder"},
		{"bad datatype", "acme/th1.yaml",
			replace("property: air_temperature}", "property: air_temperature, datatype: colour}"), "datatype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, map[string]string{VocabularyFile: testVocab, tt.file: tt.body})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	t.Run("no vocabulary", func(t *testing.T) {
		_, err := load(t, map[string]string{"acme/th1.yaml": goodProfile})
		if err == nil || !strings.Contains(err.Error(), VocabularyFile) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSelectFirmware(t *testing.T) {
	v1 := strings.Replace(goodProfile, `["*"]`, `["1.*"]`, 1)
	v12 := strings.Replace(goodProfile, `["*"]`, `["1.2", "1.3"]`, 1)
	s, err := load(t, map[string]string{
		VocabularyFile: testVocab, "acme/th1.yaml": goodProfile, "acme/th1-v1.yaml": v1,
		"acme/th1-v12.yaml": v12,
	})
	if err != nil {
		t.Fatal(err)
	}
	for fw, want := range map[string]string{
		"": "acme/th1@*", "1.2": "acme/th1@1.2,1.3", "1.7": "acme/th1@1.*", "2.0": "acme/th1@*",
	} {
		p, ok := s.Select("acme/th1", fw)
		if !ok || p.Key() != want {
			t.Errorf("firmware %q: got %v, want %s", fw, p, want)
		}
	}
	if _, ok := s.Select("acme/none", ""); ok {
		t.Error("a model without a profile was selected")
	}
}

func TestExtract(t *testing.T) {
	vocab := testVocab
	profile := `
vendor: acme
model: log
name: Acme logger
firmware: ["*"]
decoder: fake
fields:
  - {path: history.temperature, time: history.time, property: air_temperature}
  - {path: rh, property: relative_humidity}
  - {path: door, property: door_state}
`
	s, err := load(t, map[string]string{VocabularyFile: vocab, "acme/log.yaml": profile})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Select("acme/log", "")
	t0 := time.Date(2024, 3, 14, 8, 0, 0, 0, time.UTC)
	data := map[string]any{
		"history": []any{
			map[string]any{"temperature": 21.5, "time": "2024-03-14T08:00:00Z"},
			map[string]any{"temperature": 21.0, "time": float64(t0.Add(-time.Hour).Unix())},
			map[string]any{"humidity": 3.0},
		},
		"rh":   "41.5", // a number sent as a string is parsed for a numeric field
		"door": "open",
	}
	got := p.Extract(data, nil)
	want := []Reading{
		{Field: 0, Value: model.Number(21.5), Time: t0},
		{Field: 0, Value: model.Number(21.0), Time: t0.Add(-time.Hour)},
		{Field: 1, Value: model.Number(41.5)},
		{Field: 2, Value: model.String("open")},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d readings %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].Field != want[i].Field || got[i].Value != want[i].Value || !got[i].Time.Equal(want[i].Time) {
			t.Errorf("reading %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	if n := len(p.Extract(map[string]any{"rh": "not a number", "door": nil}, nil)); n != 0 {
		t.Errorf("unparseable and null values gave %d readings, want 0", n)
	}
}

// TestJavascriptProfile: a profile may name a decodeUplink script in its folder; a missing or
// broken script fails loading with the file named.
func TestJavascriptProfile(t *testing.T) {
	js := strings.Replace(goodProfile, "decoder: fake", "decoder: javascript\nscript: th1.js", 1)
	script := `function decodeUplink(input) {
  return {data: {temperature: input.bytes[0] / 2, rh: {value: input.bytes[1]}}};
}`
	s, err := load(t, map[string]string{VocabularyFile: testVocab, "acme/th1.yaml": js,
		"acme/th1.js": script})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Select("acme/th1", "")
	out, err := p.Decoder().Decode(codec.Input{FPort: 1, Bytes: []byte{45, 60}})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Extract(out.Data, nil)
	if len(got) != 2 || got[0].Value != model.Number(22.5) || got[1].Value != model.Number(60) {
		t.Fatalf("readings %+v, want 22.5 and 60", got)
	}

	for name, files := range map[string]map[string]string{
		"no script":     {"acme/th1.yaml": strings.Replace(js, "script: th1.js", "", 1)},
		"missing file":  {"acme/th1.yaml": js},
		"syntax error":  {"acme/th1.yaml": js, "acme/th1.js": "function decodeUplink( {"},
		"script for go": {"acme/th1.yaml": goodProfile + "script: th1.js\n", "acme/th1.js": script},
	} {
		files[VocabularyFile] = testVocab
		if _, err := load(t, files); err == nil || !strings.Contains(err.Error(), "acme/th1") {
			t.Errorf("%s: err = %v, want one naming the profile", name, err)
		}
	}
}

package senml

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

// now is the reception time the tests resolve relative times against.
var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// rfcExamples are the JSON examples of RFC 8428 §5.1, with the output worked out by hand
// from the RFC's description of each (and, for §5.1.3, from its resolved form in §5.1.4).
var rfcExamples = []struct {
	name, pack, want string
}{
	{
		name: "5.1.1 single data point",
		pack: `[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]`,
		want: `{"urn:dev:ow:10e2073a01080063":
			{"value":23.1,"unit":"Cel","time":"2026-01-02T03:04:05Z"}}`,
	},
	{
		name: "5.1.2 multiple data points now",
		pack: `[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
			{"n":"current","u":"A","v":1.2}]`,
		want: `{"urn:dev:ow:10e2073a01080063:voltage":
				{"value":120.1,"unit":"V","time":"2026-01-02T03:04:05Z"},
			"urn:dev:ow:10e2073a01080063:current":
				{"value":1.2,"unit":"A","time":"2026-01-02T03:04:05Z"}}`,
	},
	{
		name: "5.1.2 multiple data points, base time and unit, relative offsets",
		pack: `[{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,
				"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
			{"n":"current","t":-5,"v":1.2},
			{"n":"current","t":-4,"v":1.3},
			{"n":"current","t":-3,"v":1.4},
			{"n":"current","t":-2,"v":1.5},
			{"n":"current","t":-1,"v":1.6},
			{"n":"current","v":1.7}]`,
		want: `{"urn:dev:ow:10e2073a0108006:voltage":
				{"value":120.1,"unit":"V","time":"2010-06-08T18:01:16.001Z"},
			"urn:dev:ow:10e2073a0108006:current":[
				{"value":1.2,"unit":"A","time":"2010-06-08T18:01:11.001Z"},
				{"value":1.3,"unit":"A","time":"2010-06-08T18:01:12.001Z"},
				{"value":1.4,"unit":"A","time":"2010-06-08T18:01:13.001Z"},
				{"value":1.5,"unit":"A","time":"2010-06-08T18:01:14.001Z"},
				{"value":1.6,"unit":"A","time":"2010-06-08T18:01:15.001Z"},
				{"value":1.7,"unit":"A","time":"2010-06-08T18:01:16.001Z"}]}`,
	},
	{
		name: "5.1.3 multiple measurements, resolved as in 5.1.4",
		pack: `[{"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":20},
			{"u":"lon","v":24.30621},
			{"u":"lat","v":60.07965},
			{"t":60,"v":20.3},
			{"u":"lon","t":60,"v":24.30622},
			{"u":"lat","t":60,"v":60.07965},
			{"t":120,"v":20.7},
			{"u":"lon","t":120,"v":24.30623},
			{"u":"lat","t":120,"v":60.07966},
			{"u":"%EL","t":150,"v":98},
			{"t":180,"v":21.2},
			{"u":"lon","t":180,"v":24.30628},
			{"u":"lat","t":180,"v":60.07967}]`,
		want: `{"urn:dev:ow:10e2073a01080063":[
			{"unit":"%RH","time":"2011-10-31T13:24:24Z","value":20},
			{"unit":"lon","time":"2011-10-31T13:24:24Z","value":24.30621},
			{"unit":"lat","time":"2011-10-31T13:24:24Z","value":60.07965},
			{"unit":"%RH","time":"2011-10-31T13:25:24Z","value":20.3},
			{"unit":"lon","time":"2011-10-31T13:25:24Z","value":24.30622},
			{"unit":"lat","time":"2011-10-31T13:25:24Z","value":60.07965},
			{"unit":"%RH","time":"2011-10-31T13:26:24Z","value":20.7},
			{"unit":"lon","time":"2011-10-31T13:26:24Z","value":24.30623},
			{"unit":"lat","time":"2011-10-31T13:26:24Z","value":60.07966},
			{"unit":"%EL","time":"2011-10-31T13:26:54Z","value":98},
			{"unit":"%RH","time":"2011-10-31T13:27:24Z","value":21.2},
			{"unit":"lon","time":"2011-10-31T13:27:24Z","value":24.30628},
			{"unit":"lat","time":"2011-10-31T13:27:24Z","value":60.07967}]}`,
	},
	{
		name: "5.1.5 multiple data types",
		pack: `[{"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
			{"n":"label","vs":"Machine Room"},
			{"n":"open","vb":false},
			{"n":"nfv-reader","vd":"aGkgCg"}]`,
		want: `{"urn:dev:ow:10e2073a01080063:temp":
				{"value":23.1,"unit":"Cel","time":"2026-01-02T03:04:05Z"},
			"urn:dev:ow:10e2073a01080063:label":
				{"value":"Machine Room","time":"2026-01-02T03:04:05Z"},
			"urn:dev:ow:10e2073a01080063:open":{"value":false,"time":"2026-01-02T03:04:05Z"},
			"urn:dev:ow:10e2073a01080063:nfv-reader":
				{"value":"aGkgCg","time":"2026-01-02T03:04:05Z"}}`,
	},
	{
		name: "5.1.6 collection of resources, a new base name keeps the base time",
		pack: `[{"bn":"2001:db8::2/","bt":1.320078429e+09,
				"n":"temperature","u":"Cel","v":25.2},
			{"n":"humidity","u":"%RH","v":30},
			{"bn":"2001:db8::1/","n":"temperature","u":"Cel","v":12.3},
			{"n":"humidity","u":"%RH","v":67}]`,
		want: `{"2001:db8::2/temperature":
				{"value":25.2,"unit":"Cel","time":"2011-10-31T16:27:09Z"},
			"2001:db8::2/humidity":{"value":30,"unit":"%RH","time":"2011-10-31T16:27:09Z"},
			"2001:db8::1/temperature":
				{"value":12.3,"unit":"Cel","time":"2011-10-31T16:27:09Z"},
			"2001:db8::1/humidity":{"value":67,"unit":"%RH","time":"2011-10-31T16:27:09Z"}}`,
	},
	{
		name: "5.1.7 actuator, a record of base fields only",
		pack: `[{"bn":"urn:dev:ow:10e2073a01080063:"},
			{"n":"temp","u":"Cel","v":23.1},
			{"n":"heat","u":"/","v":1},
			{"n":"fan","u":"/","v":0}]`,
		want: `{"urn:dev:ow:10e2073a01080063:temp":
				{"value":23.1,"unit":"Cel","time":"2026-01-02T03:04:05Z"},
			"urn:dev:ow:10e2073a01080063:heat":
				{"value":1,"unit":"/","time":"2026-01-02T03:04:05Z"},
			"urn:dev:ow:10e2073a01080063:fan":
				{"value":0,"unit":"/","time":"2026-01-02T03:04:05Z"}}`,
	},
}

// moreExamples cover base value, base sum and relative times (RFC 8428 §4.5.3, §4.5.4).
var moreExamples = []struct {
	name, pack, want string
}{
	{
		name: "relative times, past and future",
		pack: `[{"n":"a","v":1,"t":-60},{"n":"b","v":2,"t":30.5}]`,
		want: `{"a":{"value":1,"time":"2026-01-02T03:03:05Z"},
			"b":{"value":2,"time":"2026-01-02T03:04:35.5Z"}}`,
	},
	{
		name: "relative base time plus time",
		pack: `[{"bn":"dev.","bt":-100,"n":"a","v":1,"t":10}]`,
		want: `{"dev.a":{"value":1,"time":"2026-01-02T03:02:35Z"}}`,
	},
	{
		name: "base value added to v only",
		pack: `[{"bn":"d:","bv":10,"n":"a","v":1},{"n":"b","v":-2.5},{"n":"c","vs":"x"}]`,
		want: `{"d:a":{"value":11,"time":"2026-01-02T03:04:05Z"},
			"d:b":{"value":7.5,"time":"2026-01-02T03:04:05Z"},
			"d:c":{"value":"x","time":"2026-01-02T03:04:05Z"}}`,
	},
	{
		name: "sum only, with base sum; base sum alone applies",
		pack: `[{"bn":"meter:","bs":100,"bu":"Wh","n":"energy","s":5},
			{"n":"power","u":"W","v":3}]`,
		want: `{"meter:energy":{"sum":105,"unit":"Wh","time":"2026-01-02T03:04:05Z"},
			"meter:power":{"value":3,"sum":100,"unit":"W","time":"2026-01-02T03:04:05Z"}}`,
	},
	{
		name: "unknown labels ignored, labels case sensitive",
		pack: `[{"n":"x","v":1,"V":7,"foo":{"bar":[1,"2"]}}]`,
		want: `{"x":{"value":1,"time":"2026-01-02T03:04:05Z"}}`,
	},
	{
		name: "escaped strings",
		pack: `[{"n":"x","vs":"caf\u00e9 \"ok\"","u":"\u00b0C"}]`,
		want: `{"x":{"value":"café \"ok\"","unit":"°C","time":"2026-01-02T03:04:05Z"}}`,
	},
}

func TestDecodeExamples(t *testing.T) {
	d := Decoders()["senml"]
	for _, tt := range append(rfcExamples[:len(rfcExamples):len(rfcExamples)], moreExamples...) {
		t.Run(tt.name, func(t *testing.T) {
			out, err := d.Decode(codec.Input{FPort: 1, Bytes: []byte(tt.pack), ReceivedAt: now})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			codectest.Equal(t, "data", codectest.JSON(t, out.Data), want)
		})
	}
}

func TestBadPacks(t *testing.T) {
	tests := []struct{ name, pack string }{
		{"two value fields", `[{"n":"x","v":1,"vs":"a"}]`},
		{"three value fields", `[{"n":"x","v":1,"vb":true,"vd":"aGk"}]`},
		{"no value and no sum", `[{"n":"x","u":"Cel"}]`},
		{"name with a space", `[{"n":"bad name","v":1}]`},
		{"name starting with a dash", `[{"n":"-x","v":1}]`},
		{"name with a non-ASCII letter", `[{"n":"tempé","v":1}]`},
		{"no name", `[{"v":1}]`},
		{"upper-case label is not n", `[{"N":"x","v":1}]`},
		{"not an array", `{"n":"x","v":1}`},
		{"array of numbers", `[1,2]`},
		{"empty pack", `[]`},
		{"not JSON", `[{"n":"x","v":1}`},
		{"empty payload", ``},
		{"bver unsupported", `[{"bver":11,"n":"x","v":1}]`},
		{"bver zero", `[{"bver":0,"n":"x","v":1}]`},
		{"bver not an integer", `[{"bver":5.5,"n":"x","v":1}]`},
		{"bver changes", `[{"bver":5,"n":"a","v":1},{"bver":10,"n":"b","v":1}]`},
		{"bver after default", `[{"n":"a","v":1},{"bver":5,"n":"b","v":1}]`},
		{"must-understand label", `[{"n":"x","v":1,"foo_":1}]`},
		{"name not a string", `[{"n":5,"v":1}]`},
		{"null name", `[{"n":null,"v":1}]`},
		{"value a string", `[{"n":"x","v":"1"}]`},
		{"vb not a bool", `[{"n":"x","vb":"true"}]`},
		{"vd not base64url", `[{"n":"x","vd":"a+b/"}]`},
		{"time too far back", `[{"n":"x","v":1,"t":-1e20}]`},
		{"time after 9999", `[{"n":"x","v":1,"t":1e12}]`},
		{"number out of range", `[{"n":"x","v":1e999}]`},
	}
	d := Decoders()["senml"]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := d.Decode(codec.Input{Bytes: []byte(tt.pack), ReceivedAt: now})
			if !errors.Is(err, codec.ErrInvalid) {
				t.Fatalf("error %v (data %v), want ErrInvalid", err, out.Data)
			}
		})
	}
}

// TestResolve checks the typed records of the helper: vd decoded to bytes, the sum, and
// the time.
func TestResolve(t *testing.T) {
	recs, err := Resolve([]byte(`[{"bn":"d:","bt":1.320078429e+09,"n":"raw","vd":"aGkgCg"},
		{"n":"e","u":"Wh","s":2.5,"t":0.25}]`), now)
	if err != nil {
		t.Fatal(err)
	}
	sum := 2.5
	want := []Record{
		{Name: "d:raw", Value: []byte("hi \n"), Time: time.Unix(1320078429, 0).UTC()},
		{Name: "d:e", Unit: "Wh", Sum: &sum,
			Time: time.Unix(1320078429, 250_000_000).UTC()},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		if !sameRecord(recs[i], w) {
			t.Errorf("record %d: %+v, want %+v", i, recs[i], w)
		}
	}
}

func sameRecord(a, b Record) bool {
	if a.Name != b.Name || a.Unit != b.Unit || !a.Time.Equal(b.Time) {
		return false
	}
	if (a.Sum == nil) != (b.Sum == nil) || a.Sum != nil && *a.Sum != *b.Sum {
		return false
	}
	return reflect.DeepEqual(a.Value, b.Value)
}

func TestNoReceptionTime(t *testing.T) {
	out, err := Decoders()["senml"].Decode(codec.Input{Bytes: []byte(`[{"n":"x","v":1}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Warnings) != 1 {
		t.Fatalf("warnings %q, want one about the missing reception time", out.Warnings)
	}
}

func FuzzDecode(f *testing.F) {
	for _, ex := range append(rfcExamples[:len(rfcExamples):len(rfcExamples)], moreExamples...) {
		f.Add([]byte(ex.pack))
	}
	f.Add([]byte(`[{"n":"x","v":1,"vs":"a"}]`))
	d := Decoders()["senml"]
	f.Fuzz(func(t *testing.T, b []byte) {
		codectest.CheckDecode(t, d, codec.Input{Bytes: b, ReceivedAt: now}, codec.ErrInvalid)
	})
}

func BenchmarkDecode(b *testing.B) {
	d := Decoders()["senml"]
	in := codec.Input{Bytes: []byte(rfcExamples[1].pack), ReceivedAt: now}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

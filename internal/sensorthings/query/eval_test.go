package query

import (
	"fmt"
	"testing"
	"time"
)

// obs is a tiny entity for evaluating filters without the server.
type obs struct {
	result Value
	name   string
	when   time.Time
}

func bindObs(path []string) (Getter[*obs], error) {
	if len(path) != 1 {
		return nil, fmt.Errorf("no property %v", path)
	}
	switch path[0] {
	case "result":
		return func(o *obs) Value { return o.result }, nil
	case "name":
		return func(o *obs) Value { return StringValue(o.name) }, nil
	case "phenomenonTime":
		return func(o *obs) Value { return TimeValue(o.when) }, nil
	}
	return nil, fmt.Errorf("no property %s", path[0])
}

func matches(t *testing.T, filter string, o *obs) bool {
	t.Helper()
	e, err := ParseFilter(filter)
	if err != nil {
		t.Fatalf("ParseFilter(%q): %v", filter, err)
	}
	g, err := Compile(e, bindObs)
	if err != nil {
		t.Fatalf("Compile(%q): %v", filter, err)
	}
	return Truthy(g(o))
}

// TestPrecedence runs the eight operator-precedence checks of the OGC/FROST suites over
// results 1…12 (specs §3.3) and compares the matching results.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		filter string
		want   []float64
	}{
		{"result eq 2 and result eq 1 or result eq 1", []float64{1}},
		{"(result eq 2 and result eq 1) or result eq 1", []float64{1}},
		{"result eq 2 and (result eq 1 or result eq 1)", nil},
		{"not result lt 1 and not result gt 1", []float64{1}},
		{"1 add result mul 2 sub -1 eq 4", []float64{1}},
		{"6 div 2 sub result eq 2", []float64{1}},
		{"1 add 2.0 mod (result add 1) eq 1", []float64{1}},
		{"14 div (result add 1) mod 3 mul 3 eq 3", []float64{1}},
		{"result gt '3'", []float64{4, 5, 6, 7, 8, 9}},
		{"result ge 11 or result le 1", []float64{1, 11, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			var got []float64
			for r := 1.0; r <= 12; r++ {
				if matches(t, tt.filter, &obs{result: NumberValue(r)}) {
					got = append(got, r)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompareSemantics(t *testing.T) {
	day := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		filter string
		o      obs
		want   bool
	}{
		{"result eq null", obs{}, true},
		{"result ne null", obs{}, false},
		{"result gt null", obs{result: NumberValue(1)}, false},
		{"result lt 2", obs{}, false},
		{"result ne 2", obs{}, true},
		{"result eq 'on'", obs{result: StringValue("on")}, true},
		{"result eq true", obs{result: BoolValue(true)}, true},
		{"result eq 'true'", obs{result: BoolValue(true)}, true},
		{"result eq 1", obs{result: BoolValue(true)}, false},
		{"result eq '10'", obs{result: NumberValue(10)}, true},
		{"result eq 2.5", obs{result: StringValue("2.5")}, true},
		{"result div 0 gt 1", obs{result: NumberValue(1)}, true}, // +Inf
		{"result div 0 eq result div 0", obs{result: NumberValue(0)}, false},
		{"phenomenonTime eq 2024-05-01T14:00:00+02:00", obs{when: day}, true},
		{"phenomenonTime gt 2024-05-01T11:59:59.999Z", obs{when: day}, true},
		{"phenomenonTime ge 2024-05-01T12:00:00Z and phenomenonTime lt 2024-05-02",
			obs{when: day}, true},
		{"2024-05-01T12:00:00Z lt phenomenonTime", obs{when: day}, false},
		{"phenomenonTime lt 2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", obs{when: day}, false},
		{"phenomenonTime ge 2024-05-01T00:00:00Z/2024-05-01T12:00:00Z", obs{when: day}, true},
		{"phenomenonTime sub duration'PT1H' eq 2024-05-01T11:00:00Z", obs{when: day}, true},
		{"phenomenonTime sub 2024-05-01T11:00:00Z eq duration'PT1H'", obs{when: day}, true},
		{"phenomenonTime eq '2024-05-01T12:00:00Z'", obs{when: day}, true},
		{"phenomenonTime eq 12", obs{when: day}, false},
		{"name eq 'x' or true", obs{name: "y"}, true},
		{"not (name eq 'y')", obs{name: "y"}, false},
		{"name", obs{name: "y"}, false}, // a non-boolean filter matches nothing
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			o := tt.o
			if got := matches(t, tt.filter, &o); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIntervalComparisons(t *testing.T) {
	at := func(h int) Value {
		return TimeValue(time.Date(2016, 1, 1, h, 0, 0, 0, time.UTC))
	}
	iv := IntervalValue(at(6).Time(), at(7).Time()) // [06:00, 07:00)
	tests := []struct {
		op   Op
		a, b Value
		want bool
	}{
		{OpGt, iv, at(5), true}, {OpGt, iv, at(6), false},
		{OpGe, iv, at(6), true}, {OpGe, iv, at(7), false},
		{OpLt, iv, at(7), true}, {OpLt, iv, at(6), false},
		{OpLe, iv, at(7), true}, {OpLe, iv, at(6), false},
		{OpEq, iv, at(6), false}, {OpNe, iv, at(6), true},
		{OpLt, at(5), iv, true}, {OpGt, at(7), iv, true}, {OpGt, at(6), iv, false},
		{OpLt, iv, IntervalValue(at(7).Time(), at(8).Time()), true},
		{OpGt, IntervalValue(at(7).Time(), at(8).Time()), iv, true},
		{OpEq, iv, IntervalValue(at(6).Time(), at(7).Time()), true},
		{OpGt, Value{}, at(1), false}, // a Datastream without Observations
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v %s", tt.a, tt.op, tt.b), func(t *testing.T) {
			if got := Compare(tt.op, tt.a, tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFunctions(t *testing.T) {
	day := time.Date(2024, 5, 1, 13, 14, 15, 500_000_000, time.UTC)
	o := &obs{name: "Thing 4", result: NumberValue(2.5), when: day}
	tests := []struct {
		filter string
		want   bool
	}{
		{"substringof('ing', name)", true},
		{"startswith(name, 'Thing')", true},
		{"endswith(name, '4')", true},
		{"tolower(name) eq 'thing 4'", true},
		{"toupper(name) eq 'THING 4'", true},
		{"length(name) eq 7", true},
		{"indexof(name, 'ng') eq 3", true},
		{"substring(name, 4) eq 'g 4'", true},
		{"substring(name, 4, 3) eq 'g 4'", true},
		{"substring(name, 40) eq ''", true},
		{"concat(name, '!') eq 'Thing 4!'", true},
		{"trim(concat(' ', name)) eq name", true},
		{"year(phenomenonTime) eq 2024 and month(phenomenonTime) eq 5", true},
		{"day(phenomenonTime) eq 1 and hour(phenomenonTime) eq 13", true},
		{"minute(phenomenonTime) eq 14 and second(phenomenonTime) eq 15", true},
		{"fractionalseconds(phenomenonTime) eq 0.5", true},
		{"date(phenomenonTime) eq '2024-05-01'", true},
		{"round(result) eq 3 and floor(result) eq 2 and ceiling(result) eq 3", true},
		{"length(result) eq 3", false}, // not a string: null
		{"before(phenomenonTime, 2024-06-01T00:00:00Z)", true},
		{"after(phenomenonTime, 2024-06-01T00:00:00Z)", false},
		{"during(phenomenonTime, 2024-05-01T00:00:00Z/2024-05-02T00:00:00Z)", true},
		{"now() gt phenomenonTime", true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			if got := matches(t, tt.filter, o); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, in := range []string{
		"nosuch eq 1", "frobnicate(name)", "startswith(name)", "length(name, name)",
		"geo.distance(location, location) lt 1", "Datastream/name eq 'x'",
	} {
		t.Run(in, func(t *testing.T) {
			e, err := ParseFilter(in)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if _, err := Compile(e, bindObs); err == nil {
				t.Errorf("Compile(%q): want an error", in)
			}
		})
	}
}

func TestCollate(t *testing.T) {
	vals := []Value{{}, NumberValue(-1), NumberValue(2), StringValue("a"), StringValue("b"),
		BoolValue(false), BoolValue(true)}
	for i := range vals {
		for j := range vals {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Collate(vals[i], vals[j]); got != want {
				t.Errorf("Collate(%v, %v) = %d, want %d", vals[i], vals[j], got, want)
			}
		}
	}
}

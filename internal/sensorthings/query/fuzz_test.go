package query

import (
	"strings"
	"testing"
	"time"
)

// filterSeeds are the filters the OGC and FROST suites send (specs §3.3–3.4) plus a few
// edge cases of the lexer.
var filterSeeds = []string{
	"result eq 2 and result eq 1 or result eq 1",
	"not result lt 1 and not result gt 1",
	"1 add result mul 2 sub -1 eq 4",
	"14 div (result add 1) mod 3 mul 3 eq 3",
	"1 add 2.0 mod (result add 1) eq 1",
	"result gt '3'",
	"name eq 'it''s'",
	"substringof('ing', name) and startswith(name,'T') or endswith(name,'4')",
	"phenomenonTime ge 2016-01-01T06:00:00Z/2016-01-01T07:00:00.000+01:00",
	"phenomenonTime add duration'PT1H' gt 2016-01-01T06:00:00Z",
	"year(phenomenonTime) eq 2015 and round(result) le 1e3",
	"properties/owner eq null",
	"geo.distance(location, geography'POINT(8 54.1)') lt 1",
	"((((((1))))))", "'", "-", "2024-", "duration'", "a/", "not not not true",
}

// FuzzFilter checks that the $filter parser and the compiled evaluator never panic on
// arbitrary input, and that printing a parsed filter gives text that parses to the same.
func FuzzFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	when := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFilter(s)
		if err != nil {
			return
		}
		printed := e.String()
		again, err := ParseFilter(printed)
		if err != nil && strings.Contains(err.Error(), "nested deeper") {
			return // printing parenthesises every operator, so it may nest deeper
		}
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("%q printed as %q, then as %q", s, printed, again.String())
		}
		g, err := Compile(e, bindObs)
		if err != nil {
			return
		}
		for _, o := range []*obs{{}, {result: NumberValue(3), name: "x", when: when},
			{result: StringValue("3")}, {result: BoolValue(true)}} {
			g(o)
		}
	})
}

// FuzzOrderBy checks that the $orderby parser never panics.
func FuzzOrderBy(f *testing.F) {
	for _, s := range []string{"phenomenonTime desc", "result asc,id", "name,description desc",
		"length(name) desc", "Datastream/Thing/name", "id desc desc", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseOrderBy(s)
		if err == nil && len(list) == 0 {
			t.Fatalf("%q: no error and no keys", s)
		}
	})
}

// FuzzExpand checks that the $expand parser (with inline options, which recurse into every
// other option parser) never panics, and that what it returns is well formed.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{
		"Datastreams", "Datastreams/Thing,Datastreams/Sensor",
		"Datastreams($top=2;$skip=1;$count=true;$orderby=name desc;$select=name,id)",
		"Datastreams($expand=Observations($orderby=phenomenonTime desc;$top=1))",
		"Things($filter=name eq 'a;b(c)')", "A(B(C))", "A($expand=B($expand=C($expand=D)))",
		"()", "A(", "A)", "A/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseExpand(s)
		if err != nil {
			return
		}
		checkExpand(t, s, list, 0)
	})
}

func checkExpand(t *testing.T, in string, list []*Expand, depth int) {
	t.Helper()
	if depth > maxExpandDepth {
		t.Fatalf("%q: expand deeper than %d", in, maxExpandDepth)
	}
	for _, e := range list {
		if e.Nav == "" || e.Opts == nil {
			t.Fatalf("%q: malformed item %+v", in, e)
		}
		checkExpand(t, in, e.Opts.Expand, depth+1)
	}
}

// BenchmarkFilterEval measures evaluating a compiled filter with arithmetic, a function
// and a time comparison on one entity.
func BenchmarkFilterEval(b *testing.B) {
	e, err := ParseFilter("result add 1 gt 3 and phenomenonTime ge 2024-01-01T00:00:00Z and " +
		"not startswith(name, 'x') or result eq '7'")
	if err != nil {
		b.Fatal(err)
	}
	g, err := Compile(e, bindObs)
	if err != nil {
		b.Fatal(err)
	}
	o := &obs{result: NumberValue(5), name: "temp", when: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		if !Truthy(g(o)) {
			b.Fatal("filter should match")
		}
	}
}

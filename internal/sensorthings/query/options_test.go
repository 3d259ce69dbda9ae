package query

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	o, err := ParseQuery("$top=5&$skip=2&$count=true&foo=bar&" +
		"$filter=result%20gt%20'3'&$orderby=phenomenonTime+desc&$select=id,result")
	if err != nil {
		t.Fatal(err)
	}
	if !o.HasTop || o.Top != 5 || o.Skip != 2 || !o.Count {
		t.Errorf("top/skip/count = %v %d %d %v", o.HasTop, o.Top, o.Skip, o.Count)
	}
	if o.Filter.String() != "(result gt '3')" {
		t.Errorf("filter %s", o.Filter)
	}
	if len(o.OrderBy) != 1 || !o.OrderBy[0].Desc {
		t.Errorf("orderby %+v", o.OrderBy)
	}
	if strings.Join(o.Select, ",") != "id,result" {
		t.Errorf("select %v", o.Select)
	}
	if len(o.Params) != 6 {
		t.Errorf("params %v: want the six $ options", o.Params)
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, q := range []string{
		"$top=-1", "$top=abc", "$top=1.5", "$skip=-3", "$count=yes", "$top=1&$top=2",
		"$frobnicate=1", "$filter=", "$orderby=", "$select=", "$select=a,,b",
		"$filter=%zz", "$expand=Datastreams(", "$expand=Datastreams($top=x)",
		"$expand=Datastreams($bogus=1)", "$expand=Datastreams)x",
		"$expand=" + strings.Repeat("A/", 10) + "B",
		"$resultFormat=dataArray",
	} {
		t.Run(q, func(t *testing.T) {
			if _, err := ParseQuery(q); err == nil {
				t.Errorf("ParseQuery(%q): want an error", q)
			}
		})
	}
}

// describe renders an expand tree as nav(options){children} for comparison.
func describe(list []*Expand) string {
	var parts []string
	for _, e := range list {
		var opts []string
		for _, p := range e.Opts.Params {
			opts = append(opts, p.Name+"="+p.Value)
		}
		s := e.Nav
		if len(opts) > 0 {
			s += "(" + strings.Join(opts, ";") + ")"
		}
		if len(e.Opts.Expand) > 0 {
			s += "{" + describe(e.Opts.Expand) + "}"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

func TestParseExpand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Datastreams", "Datastreams"},
		{"Datastreams,Locations", "Datastreams,Locations"},
		{"Datastreams/Thing,Datastreams/Sensor", "Datastreams{Thing,Sensor}"},
		{"Datastreams($top=2;$orderby=name desc;$filter=name eq 'a;b';$count=true)",
			"Datastreams($top=2;$orderby=name desc;$filter=name eq 'a;b';$count=true)"},
		{"Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))",
			"Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))" +
				"{Observations($top=1;$orderby=phenomenonTime desc)}"},
		{"Thing/Datastreams($top=1)", "Thing{Datastreams($top=1)}"},
		{"Datastreams($top=1),Datastreams/Thing", "Datastreams($top=1){Thing}"},
		{"Datastreams/Thing,Datastreams($top=1)", "Datastreams($top=1){Thing}"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseExpand(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if s := describe(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
	e, err := ParseExpand("Observations($top=1;$orderby=phenomenonTime desc)")
	if err != nil {
		t.Fatal(err)
	}
	if o := e[0].Opts; !o.HasTop || o.Top != 1 || !o.OrderBy[0].Desc {
		t.Errorf("inline options not parsed: %+v", o)
	}
}

func TestTimeBounds(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ns := time.Nanosecond
	tests := []struct {
		filter   string
		from, to time.Time
		empty    bool
		residual string
	}{
		{"phenomenonTime ge 2024-01-01T00:00:00Z", t0, time.Time{}, false, ""},
		{"phenomenonTime gt 2024-01-01T00:00:00Z", t0.Add(ns), time.Time{}, false, ""},
		{"phenomenonTime lt 2024-01-01T00:00:00Z", time.Time{}, t0, false, ""},
		{"phenomenonTime le 2024-01-01T00:00:00Z", time.Time{}, t0.Add(ns), false, ""},
		{"phenomenonTime eq 2024-01-01T00:00:00Z", t0, t0.Add(ns), false, ""},
		{"2024-01-01T00:00:00Z le phenomenonTime", t0, time.Time{}, false, ""},
		{"phenomenonTime ge 2024-01-01T00:00:00Z and result gt 3 and " +
			"phenomenonTime lt 2024-01-02T00:00:00Z", t0, t0.Add(24 * time.Hour), false,
			"(result gt 3)"},
		{"phenomenonTime gt 2024-01-02T00:00:00Z and phenomenonTime lt 2024-01-01T00:00:00Z",
			t0.Add(24*time.Hour + ns), t0, true, ""},
		{"phenomenonTime ge 2024-01-01T00:00:00Z or result gt 3", time.Time{}, time.Time{},
			false, "((phenomenonTime ge 2024-01-01T00:00:00Z) or (result gt 3))"},
		{"resultTime ge 2024-01-01T00:00:00Z", time.Time{}, time.Time{}, false,
			"(resultTime ge 2024-01-01T00:00:00Z)"},
		{"phenomenonTime ne 2024-01-01T00:00:00Z", time.Time{}, time.Time{}, false,
			"(phenomenonTime ne 2024-01-01T00:00:00Z)"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			b, rest := TimeBounds(e, "phenomenonTime")
			if !b.From.Equal(tt.from) || !b.To.Equal(tt.to) || b.Empty != tt.empty {
				t.Errorf("bounds %v..%v empty=%v, want %v..%v empty=%v",
					b.From, b.To, b.Empty, tt.from, tt.to, tt.empty)
			}
			if got := fmt.Sprint(rest); rest == nil && tt.residual != "" ||
				rest != nil && got != tt.residual {
				t.Errorf("residual %v, want %q", rest, tt.residual)
			}
		})
	}
}

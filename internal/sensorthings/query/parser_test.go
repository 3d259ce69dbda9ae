package query

import (
	"strings"
	"testing"
)

func TestParseFilterShape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"result eq 2 and result eq 1 or result eq 1",
			"(((result eq 2) and (result eq 1)) or (result eq 1))"},
		{"result eq 2 and (result eq 1 or result eq 1)",
			"((result eq 2) and ((result eq 1) or (result eq 1)))"},
		{"not result lt 1 and not result gt 1",
			"((not (result lt 1)) and (not (result gt 1)))"},
		{"1 add result mul 2 sub -1 eq 4", "(((1 add (result mul 2)) sub -1) eq 4)"},
		{"6 div 2 sub result eq 2", "(((6 div 2) sub result) eq 2)"},
		{"14 div (result add 1) mod 3 mul 3 eq 3",
			"((((14 div (result add 1)) mod 3) mul 3) eq 3)"},
		{"name eq 'it''s'", "(name eq 'it''s')"},
		{"Datastream/Thing/name ne null", "(Datastream/Thing/name ne null)"},
		{"startswith(name,'Temp')", "startswith(name,'Temp')"},
		{"phenomenonTime ge 2024-01-01T00:00:00Z",
			"(phenomenonTime ge 2024-01-01T00:00:00Z)"},
		{"phenomenonTime gt 2024-01-01T02:00:00+02:00",
			"(phenomenonTime gt 2024-01-01T00:00:00Z)"},
		{"phenomenonTime lt 2024-01-01", "(phenomenonTime lt 2024-01-01T00:00:00Z)"},
		{"phenomenonTime add duration'PT1H' gt 2024-01-01T00:00:00Z",
			"((phenomenonTime add duration'PT3600S') gt 2024-01-01T00:00:00Z)"},
		{"-result lt -2.5e1", "((-result) lt -25)"},
		{"not(properties/ok)", "(not properties/ok)"},
		{"result gt 1 eq true", "((result gt 1) eq true)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []string{
		"", "   ", "result eq", "result eq 'open", "(result eq 1", "result eq 1)",
		"result eq eq 1", "result ~ 1", "startswith(name,'a'", "name eq 'a' 'b'",
		"phenomenonTime gt 2024-01-01T00:00:00", // no zone
		"phenomenonTime gt 2024-13-01T00:00:00Z",
		"duration'P1Y' eq result", "geography'POINT(1 2)' eq location",
		"foo'bar' eq 1", "Datastream/ eq 1", "and", "not", "result eq 1 and",
		strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100),
		strings.Repeat("not ", 100) + "true",
		strings.Repeat("-", 100) + "1",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			if e, err := ParseFilter(in); err == nil {
				t.Fatalf("ParseFilter(%q) = %v, want an error", in, e)
			}
		})
	}
}

func TestParseOrderBy(t *testing.T) {
	tests := []struct {
		in   string
		want []string // expression, then "desc" or "asc"
	}{
		{"phenomenonTime", []string{"phenomenonTime asc"}},
		{"phenomenonTime desc,id", []string{"phenomenonTime desc", "id asc"}},
		{"result asc, Datastream/name desc", []string{"result asc", "Datastream/name desc"}},
		{"length(name) desc", []string{"length(name) desc"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOrderBy(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, o := range got {
				dir := "asc"
				if o.Desc {
					dir = "desc"
				}
				s = append(s, o.Expr.String()+" "+dir)
			}
			if strings.Join(s, ";") != strings.Join(tt.want, ";") {
				t.Errorf("got %v, want %v", s, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "name,", "name sideways", "name desc desc", ",name"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := ParseOrderBy(bad); err == nil {
				t.Errorf("ParseOrderBy(%q): want an error", bad)
			}
		})
	}
}

package query

import (
	"net/url"
	"strconv"
	"strings"
)

// Options are the query options of one request, or of one inline $expand item.
type Options struct {
	Filter    Expr     // nil when absent
	OrderBy   []Order  // in the given order
	Select    []string // nil when absent; "id" stands for @iot.id
	Expand    []*Expand
	Top       int  // meaningful when HasTop
	HasTop    bool // whether $top was given
	Skip      int
	Count     bool
	SkipToken string // opaque to this package; the service defines it
	// Params holds the options as given (name, unescaped value), in request order, so
	// that a nextLink can repeat them.
	Params []Param
}

// Param is one query option as it appeared in the request.
type Param struct{ Name, Value string }

// Order is one key of $orderby.
type Order struct {
	Expr Expr
	Desc bool
}

// Expand is one navigation property to expand, with its inline options (18-088 §9.3.2.1).
type Expand struct {
	Nav  string
	Opts *Options
}

// ParseQuery parses the query string of a request. It does not use url.ParseQuery, which
// rejects the ';' that inline $expand options are separated with. Parameters that do not
// start with '$' are not query options and are ignored; an unknown or repeated option is
// an error (18-088 §9.3: a service responds 400 to an option it does not support).
func ParseQuery(rawQuery string) (*Options, error) {
	var params []Param
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errorf(-1, "bad percent-encoding in %q", pair)
		}
		if strings.HasPrefix(name, "$") {
			params = append(params, Param{Name: name, Value: value})
		}
	}
	return parseParams(params, 0)
}

// maxExpandDepth bounds nested $expand.
const maxExpandDepth = 8

func parseParams(params []Param, depth int) (*Options, error) {
	o := &Options{Params: params}
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] {
			return nil, errorf(-1, "query option %s given twice", p.Name)
		}
		seen[p.Name] = true
		if err := o.set(p, depth); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (o *Options) set(p Param, depth int) error {
	var err error
	switch p.Name {
	case "$filter":
		o.Filter, err = ParseFilter(p.Value)
	case "$orderby":
		o.OrderBy, err = ParseOrderBy(p.Value)
	case "$select":
		o.Select, err = ParseSelect(p.Value)
	case "$expand":
		o.Expand, err = parseExpand(p.Value, depth)
	case "$top":
		o.Top, err = parseCount("$top", p.Value)
		o.HasTop = true
	case "$skip":
		o.Skip, err = parseCount("$skip", p.Value)
	case "$count":
		o.Count, err = parseBool(p.Value)
	case "$skiptoken":
		o.SkipToken = p.Value
	case "$resultFormat":
		err = errorf(-1, "$resultFormat is not supported")
	default:
		err = errorf(-1, "unknown query option %s", p.Name)
	}
	if err != nil {
		return wrapOption(p.Name, err)
	}
	return nil
}

func wrapOption(name string, err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Pos: e.Pos, Msg: name + ": " + e.Msg}
	}
	return err
}

func parseCount(name, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, errorf(-1, "%s must be a non-negative integer, not %q", name, s)
	}
	return n, nil
}

func parseBool(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errorf(-1, "$count must be true or false, not %q", s)
}

// ParseSelect parses a $select list of property and navigation property names.
func ParseSelect(s string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" || !validPath(item) {
			return nil, errorf(-1, "bad $select item %q", item)
		}
		out = append(out, item)
	}
	return out, nil
}

func validPath(s string) bool {
	for _, seg := range strings.Split(s, "/") {
		if seg == "" || !isIdentStart(seg[0]) {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if !isIdentChar(seg[i]) {
				return false
			}
		}
	}
	return true
}

// ParseOrderBy parses a $orderby list: expressions, each optionally followed by asc or desc.
func ParseOrderBy(s string) ([]Order, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	var out []Order
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		o := Order{Expr: e}
		if p.keyword("desc") {
			o.Desc = true
		} else {
			p.keyword("asc")
		}
		out = append(out, o)
		switch t := p.next(); t.kind {
		case tokEOF:
			return out, nil
		case tokComma:
		default:
			return nil, errorf(t.pos, "expected ',' or the end of $orderby, got %q", t.text)
		}
	}
}

package query

import "strings"

// ParseExpand parses a $expand value: a comma-separated list of navigation paths, each
// optionally followed by inline options in parentheses separated by ';' (18-088 §9.3.2.1),
// e.g. "Datastreams($top=2;$orderby=name desc)/Thing" is not valid but
// "Datastreams($top=2;$expand=Thing),Locations" is. A path of several segments
// ("Datastreams/Thing") expands each level, and items sharing a first segment are merged.
func ParseExpand(s string) ([]*Expand, error) { return parseExpand(s, 0) }

func parseExpand(s string, depth int) ([]*Expand, error) {
	if depth >= maxExpandDepth {
		return nil, errorf(-1, "$expand nested deeper than %d", maxExpandDepth)
	}
	items, err := splitTop(s, ',')
	if err != nil {
		return nil, err
	}
	var out []*Expand
	for _, item := range items {
		e, err := parseExpandItem(strings.TrimSpace(item), depth)
		if err != nil {
			return nil, err
		}
		out = mergeExpand(out, e)
	}
	return out, nil
}

func parseExpandItem(item string, depth int) (*Expand, error) {
	path, inline := item, ""
	if i := strings.IndexByte(item, '('); i >= 0 {
		if !strings.HasSuffix(item, ")") {
			return nil, errorf(-1, "bad $expand item %q: text after ')'", item)
		}
		path, inline = item[:i], item[i+1:len(item)-1]
	}
	path = strings.TrimSpace(path)
	if path == "" || !validPath(path) {
		return nil, errorf(-1, "bad $expand item %q", item)
	}
	segs := strings.Split(path, "/")
	if len(segs)+depth > maxExpandDepth {
		return nil, errorf(-1, "$expand nested deeper than %d", maxExpandDepth)
	}

	opts, err := parseInline(inline, depth+len(segs))
	if err != nil {
		return nil, err
	}
	// Build the chain from the innermost segment out: a/b(opts) is a($expand=b(opts)).
	e := &Expand{Nav: segs[len(segs)-1], Opts: opts}
	for i := len(segs) - 2; i >= 0; i-- {
		e = &Expand{Nav: segs[i], Opts: &Options{Expand: []*Expand{e}}}
	}
	return e, nil
}

// parseInline parses "$top=2;$orderby=name" into Options.
func parseInline(s string, depth int) (*Options, error) {
	if strings.TrimSpace(s) == "" {
		return &Options{}, nil
	}
	parts, err := splitTop(s, ';')
	if err != nil {
		return nil, err
	}
	params := make([]Param, 0, len(parts))
	for _, part := range parts {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.HasPrefix(name, "$") {
			return nil, errorf(-1, "bad inline $expand option %q", part)
		}
		params = append(params, Param{Name: name, Value: value})
	}
	return parseParams(params, depth)
}

// mergeExpand adds e to list, merging it into an item with the same navigation property:
// "Datastreams/Thing,Datastreams/Sensor" expands Datastreams once, with both inside.
func mergeExpand(list []*Expand, e *Expand) []*Expand {
	for _, have := range list {
		if have.Nav != e.Nav {
			continue
		}
		for _, sub := range e.Opts.Expand {
			have.Opts.Expand = mergeExpand(have.Opts.Expand, sub)
		}
		if len(have.Opts.Params) == 0 {
			expands := have.Opts.Expand
			*have.Opts = *e.Opts
			have.Opts.Expand = expands
		}
		return list
	}
	return append(list, e)
}

// splitTop splits s at sep where sep is outside parentheses and string literals.
func splitTop(s string, sep byte) ([]string, error) {
	var parts []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted // '' inside a literal toggles twice
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, errorf(i, "unbalanced ')'")
			}
		case c == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if depth != 0 || quoted {
		return nil, errorf(-1, "unbalanced parentheses or quotes in %q", s)
	}
	return append(parts, s[start:]), nil
}

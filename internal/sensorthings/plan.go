package sensorthings

import (
	"strings"

	"github.com/vindel-hub/vindel/internal/sensorthings/query"
)

// plan is the query options of one collection or entity, checked and compiled for one
// entity type, once per request (an inline $expand plan serves every parent).
type plan struct {
	kind     kind
	opts     *query.Options
	filter   getter // the whole $filter, nil when there is none
	order    []orderKey
	sel      *selection // nil: every property and link
	expand   []expandPlan
	expanded bool // an expanded entity: no navigation links unless selected (specs §3.3)
	top      int
	skip     int
	count    bool

	// For Observations: the part of $filter that bounds phenomenonTime, which narrows
	// store.Range, the rest of the filter, and how the order can be read from the store.
	bounds   query.Bounds
	residual getter
	byTime   bool // ordered by phenomenonTime (then id): keyset paging with store.Range
	byID     bool // ordered by id: keyset paging with store.Scan (global collection only)
	desc     bool
}

// maxSkip caps $skip so that skip + top cannot overflow; no collection is that large.
const maxSkip = 1 << 40

type orderKey struct {
	get  getter
	desc bool
}

type expandPlan struct {
	rel  relation
	plan *plan
}

// selection is a parsed $select: "id" for @iot.id, property names and relation names
// (a selected relation gives its navigation link; 18-088 §9.3.3.1).
type selection struct {
	id    bool
	names map[string]bool
}

func (s *selection) has(name string) bool { return s == nil || s.names[name] }

// compile checks and compiles opts for entities of kind k.
func (rq *request) compile(k kind, opts *query.Options, expanded bool) (*plan, error) {
	p := &plan{kind: k, opts: opts, expanded: expanded, count: opts.Count,
		skip: min(opts.Skip, maxSkip)}
	p.top = rq.h.opt.DefaultTop
	if opts.HasTop {
		p.top = min(opts.Top, rq.h.opt.MaxTop)
	}

	var err error
	if p.sel, err = compileSelect(k, opts.Select); err != nil {
		return nil, err
	}
	if err = rq.compileFilter(p); err != nil {
		return nil, err
	}
	if err = rq.compileOrder(p); err != nil {
		return nil, err
	}
	for _, e := range opts.Expand {
		r, ok := relationOf(k, e.Nav)
		if !ok {
			return nil, badRequestf("$expand: %s has no relation %q", typeNames[k], e.Nav)
		}
		child, err := rq.compile(r.target, e.Opts, true)
		if err != nil {
			return nil, err
		}
		p.expand = append(p.expand, expandPlan{rel: r, plan: child})
	}
	return p, nil
}

func compileSelect(k kind, names []string) (*selection, error) {
	if names == nil {
		return nil, nil
	}
	s := &selection{names: map[string]bool{}}
	for _, n := range names {
		switch {
		case n == "id" || n == "@iot.id":
			s.id = true
		case hasProperty(k, n):
			s.names[n] = true
		default:
			if _, ok := relationOf(k, n); !ok {
				return nil, badRequestf("$select: %s has no property or relation %q",
					typeNames[k], n)
			}
			s.names[n] = true
		}
	}
	return s, nil
}

func (rq *request) compileFilter(p *plan) error {
	f := p.opts.Filter
	if f == nil {
		return nil
	}
	var err error
	if p.filter, err = query.Compile(f, rq.binder(p.kind)); err != nil {
		return badRequest(prefixed("$filter", err))
	}
	if p.kind != kObservation {
		return nil
	}
	var rest query.Expr
	p.bounds, rest = query.TimeBounds(f, "phenomenonTime")
	if rest != nil {
		if p.residual, err = query.Compile(rest, rq.binder(p.kind)); err != nil {
			return badRequest(prefixed("$filter", err))
		}
	}
	return nil
}

func (rq *request) compileOrder(p *plan) error {
	for _, o := range p.opts.OrderBy {
		g, err := query.Compile(o.Expr, rq.binder(p.kind))
		if err != nil {
			return badRequest(prefixed("$orderby", err))
		}
		p.order = append(p.order, orderKey{get: g, desc: o.Desc})
	}
	if p.kind != kObservation {
		return nil
	}

	// Which orders the store can read directly (keyset paging): none given, or
	// phenomenonTime (then id) in one direction, or id alone.
	keys := make([]string, len(p.opts.OrderBy))
	for i, o := range p.opts.OrderBy {
		keys[i] = o.Expr.String()
		if o.Desc != p.opts.OrderBy[0].Desc {
			return nil
		}
	}
	if len(keys) > 0 {
		p.desc = p.opts.OrderBy[0].Desc
	}
	switch strings.Join(keys, ",") {
	case "", "phenomenonTime", "phenomenonTime,id":
		p.byTime = true
	case "id", "@iot.id":
		p.byID = true
	}
	return nil
}

func prefixed(option string, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, option) {
		return err
	}
	return &query.Error{Pos: -1, Msg: option + ": " + msg}
}

package query

import "time"

// Bounds is a time range [From, To) that a filter restricts a property to; a zero end is
// unbounded. Empty is set when the conditions contradict each other.
type Bounds struct {
	From, To time.Time
	Empty    bool
}

// TimeBounds finds the conditions "prop op <datetime literal>" (op one of eq, gt, ge, lt,
// le, either side) among the top-level "and" terms of e, folds them into Bounds, and returns
// the rest of the filter (nil when nothing is left). A store can then read only the range,
// and apply the residual filter to what it reads: the two together select exactly what e
// selects, given instants of nanosecond resolution.
func TimeBounds(e Expr, prop string) (Bounds, Expr) {
	var b Bounds
	var rest []Expr
	for _, term := range conjuncts(e, nil) {
		if !b.absorb(term, prop) {
			rest = append(rest, term)
		}
	}
	if !b.From.IsZero() && !b.To.IsZero() && !b.From.Before(b.To) {
		b.Empty = true
	}
	var residual Expr
	for _, r := range rest {
		if residual == nil {
			residual = r
			continue
		}
		residual = &Binary{Op: OpAnd, L: residual, R: r}
	}
	return b, residual
}

func conjuncts(e Expr, out []Expr) []Expr {
	if b, ok := e.(*Binary); ok && b.Op == OpAnd {
		return conjuncts(b.R, conjuncts(b.L, out))
	}
	if e == nil {
		return out
	}
	return append(out, e)
}

// absorb folds one term into b if it is a bound on prop.
func (b *Bounds) absorb(term Expr, prop string) bool {
	bin, ok := term.(*Binary)
	if !ok || !bin.Op.IsComparison() || bin.Op == OpNe {
		return false
	}
	op := bin.Op
	path, lit := asPath(bin.L), asLiteral(bin.R)
	if path == nil || lit == nil {
		path, lit, op = asPath(bin.R), asLiteral(bin.L), mirror[op]
	}
	if path == nil || lit == nil || lit.V.Kind != Time ||
		len(path.Segments) != 1 || path.Segments[0] != prop {
		return false
	}

	t := lit.V.Time()
	switch op {
	case OpEq:
		b.lower(t)
		b.upper(t.Add(time.Nanosecond))
	case OpGt:
		b.lower(t.Add(time.Nanosecond))
	case OpGe:
		b.lower(t)
	case OpLt:
		b.upper(t)
	case OpLe:
		b.upper(t.Add(time.Nanosecond))
	}
	return true
}

func (b *Bounds) lower(t time.Time) {
	if b.From.IsZero() || t.After(b.From) {
		b.From = t
	}
}

func (b *Bounds) upper(t time.Time) {
	if b.To.IsZero() || t.Before(b.To) {
		b.To = t
	}
}

func asPath(e Expr) *Path {
	p, _ := e.(*Path)
	return p
}

func asLiteral(e Expr) *Literal {
	l, _ := e.(*Literal)
	return l
}

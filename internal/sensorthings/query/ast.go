package query

import "strings"

// Expr is a node of a parsed $filter or $orderby expression.
type Expr interface {
	// String writes the expression back in OData syntax, fully parenthesised.
	String() string
}

// Op is a unary or binary operator.
type Op uint8

// The operators of 18-088 Table 21–23 (logical, comparison, arithmetic).
const (
	OpOr Op = iota
	OpAnd
	OpNot
	OpEq
	OpNe
	OpGt
	OpGe
	OpLt
	OpLe
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
	OpNeg
)

var opNames = [...]string{
	OpOr: "or", OpAnd: "and", OpNot: "not", OpEq: "eq", OpNe: "ne", OpGt: "gt", OpGe: "ge",
	OpLt: "lt", OpLe: "le", OpAdd: "add", OpSub: "sub", OpMul: "mul", OpDiv: "div",
	OpMod: "mod", OpNeg: "-",
}

// String returns the operator's OData keyword.
func (o Op) String() string { return opNames[o] }

// IsComparison reports whether o is eq, ne, gt, ge, lt or le.
func (o Op) IsComparison() bool { return o >= OpEq && o <= OpLe }

// Literal is a constant.
type Literal struct{ V Value }

// Path is a property path such as result, properties/owner or Datastream/Thing/name.
type Path struct{ Segments []string }

// Unary is "not X" or "-X".
type Unary struct {
	Op Op
	X  Expr
}

// Binary is "L op R".
type Binary struct {
	Op   Op
	L, R Expr
}

// Call is a function call such as startswith(name,'Temp').
type Call struct {
	Name string
	Args []Expr
}

// String implements Expr.
func (l *Literal) String() string {
	switch l.V.Kind {
	case String:
		return "'" + strings.ReplaceAll(l.V.Str, "'", "''") + "'"
	case Duration:
		return "duration'" + formatDuration(l.V.T) + "'"
	}
	return l.V.String()
}

// String implements Expr.
func (p *Path) String() string { return strings.Join(p.Segments, "/") }

// String implements Expr.
func (u *Unary) String() string {
	if u.Op == OpNeg {
		return "(-" + u.X.String() + ")"
	}
	return "(not " + u.X.String() + ")"
}

// String implements Expr.
func (b *Binary) String() string {
	return "(" + b.L.String() + " " + b.Op.String() + " " + b.R.String() + ")"
}

// String implements Expr.
func (c *Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	return c.Name + "(" + strings.Join(args, ",") + ")"
}

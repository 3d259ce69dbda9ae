package query

import (
	"fmt"
	"math"
)

// Getter reads a value of an entity of type E.
type Getter[E any] func(E) Value

// Binder resolves a property path (["result"], ["Datastream", "name"]) to a Getter. It
// returns an error for a path the entity type does not have; Compile passes it on.
type Binder[E any] func(path []string) (Getter[E], error)

// Compile turns an expression into a Getter, resolving every property path with bind and
// checking every function name and arity, so that evaluation itself cannot fail: a type
// mismatch at run time yields null (which no comparison but "eq null" matches).
func Compile[E any](e Expr, bind Binder[E]) (Getter[E], error) {
	switch n := e.(type) {
	case *Literal:
		v := n.V
		return func(E) Value { return v }, nil
	case *Path:
		g, err := bind(n.Segments)
		if err != nil {
			return nil, &Error{Pos: -1, Msg: err.Error()}
		}
		return g, nil
	case *Unary:
		return compileUnary(n, bind)
	case *Binary:
		return compileBinary(n, bind)
	case *Call:
		return compileCall(n, bind)
	}
	return nil, errorf(-1, "unsupported expression %T", e)
}

func compileUnary[E any](n *Unary, bind Binder[E]) (Getter[E], error) {
	x, err := Compile(n.X, bind)
	if err != nil {
		return nil, err
	}
	if n.Op == OpNot {
		return func(e E) Value { return BoolValue(!Truthy(x(e))) }, nil
	}
	return func(e E) Value { return negate(x(e)) }, nil
}

func compileBinary[E any](n *Binary, bind Binder[E]) (Getter[E], error) {
	l, err := Compile(n.L, bind)
	if err != nil {
		return nil, err
	}
	r, err := Compile(n.R, bind)
	if err != nil {
		return nil, err
	}
	op := n.Op
	switch {
	case op == OpAnd:
		return func(e E) Value { return BoolValue(Truthy(l(e)) && Truthy(r(e))) }, nil
	case op == OpOr:
		return func(e E) Value { return BoolValue(Truthy(l(e)) || Truthy(r(e))) }, nil
	case op.IsComparison():
		return func(e E) Value { return BoolValue(Compare(op, l(e), r(e))) }, nil
	}
	return func(e E) Value { return Arith(op, l(e), r(e)) }, nil
}

func negate(v Value) Value {
	switch v.Kind {
	case Number:
		return NumberValue(-v.Num)
	case Duration:
		return Value{Kind: Duration, T: -v.T}
	}
	return Value{}
}

// Arith applies add, sub, mul, div or mod. Division is real division even between whole
// numbers, and mod is the floating-point remainder: "14 div (result add 1) mod 3 mul 3 eq 3"
// must match only result 1 (specs §0.3). Times and durations support the additions and
// subtractions 18-088 Table 23 lists; every other combination yields null.
func Arith(op Op, a, b Value) Value {
	if a.Kind == Number && b.Kind == Number {
		return NumberValue(arithNum(op, a.Num, b.Num))
	}
	switch {
	case op == OpAdd && a.Kind == Duration && b.Kind == Duration:
		return Value{Kind: Duration, T: a.T + b.T}
	case op == OpSub && a.Kind == Duration && b.Kind == Duration:
		return Value{Kind: Duration, T: a.T - b.T}
	case op == OpSub && a.Kind == Time && b.Kind == Time:
		return Value{Kind: Duration, T: a.T - b.T}
	case (op == OpAdd || op == OpSub) && (a.Kind == Time || a.Kind == Interval) &&
		b.Kind == Duration:
		d := b.T
		if op == OpSub {
			d = -d
		}
		return Value{Kind: a.Kind, T: a.T + d, End: a.End + d}
	case op == OpAdd && a.Kind == Duration && (b.Kind == Time || b.Kind == Interval):
		return Value{Kind: b.Kind, T: b.T + a.T, End: b.End + a.T}
	}
	return Value{}
}

func arithNum(op Op, a, b float64) float64 {
	switch op {
	case OpAdd:
		return a + b
	case OpSub:
		return a - b
	case OpMul:
		return a * b
	case OpDiv:
		return a / b
	case OpMod:
		return math.Mod(a, b)
	}
	panic(fmt.Sprintf("query: %v is not arithmetic", op))
}

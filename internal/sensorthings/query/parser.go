package query

import (
	"strconv"
	"strings"
)

// maxDepth bounds the nesting of parentheses, calls and unary operators so that a hostile
// $filter cannot exhaust the stack.
const maxDepth = 64

// parser is a recursive-descent parser over the OData operator precedence (OData 4.01
// Part 2 §5.1.1.15), with one deviation the SensorThings suites test: "not" applies to a
// whole comparison, so "not result lt 1 and not result gt 1" means
// "(not (result lt 1)) and (not (result gt 1))" (specs §3.3, operator precedence).
//
//	or    := and ("or" and)*
//	and   := not ("and" not)*
//	not   := "not" not | eq
//	eq    := rel (("eq" | "ne") rel)*
//	rel   := add (("gt" | "ge" | "lt" | "le") add)*
//	add   := mul (("add" | "sub") mul)*
//	mul   := unary (("mul" | "div" | "mod") unary)*
//	unary := "-" unary | primary
type parser struct {
	toks  []token
	i     int
	depth int
}

// ParseFilter parses a $filter expression.
func ParseFilter(s string) (Expr, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, errorf(t.pos, "unexpected %q after the end of the expression", t.text)
	}
	return e, nil
}

func newParser(s string) (*parser, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errorf(-1, "empty expression")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	return &parser{toks: toks}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the identifier kw, consuming it if so.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokIdent && t.text == kw {
		p.i++
		return true
	}
	return false
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errorf(p.peek().pos, "expression nested deeper than %d", maxDepth)
	}
	return nil
}

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.binary(0)
}

// levels lists the binary operators by increasing precedence; level 2 ("not") is unary and
// handled in binary. All binary levels are left-associative.
var levels = [][]Op{
	{OpOr},
	{OpAnd},
	nil, // not
	{OpEq, OpNe},
	{OpGt, OpGe, OpLt, OpLe},
	{OpAdd, OpSub},
	{OpMul, OpDiv, OpMod},
}

func (p *parser) binary(level int) (Expr, error) {
	if level == len(levels) {
		return p.unary()
	}
	if levels[level] == nil {
		return p.not(level)
	}
	left, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.operator(levels[level])
		if !ok {
			return left, nil
		}
		right, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		left = &Binary{Op: op, L: left, R: right}
	}
}

func (p *parser) operator(ops []Op) (Op, bool) {
	for _, op := range ops {
		if p.keyword(op.String()) {
			return op, true
		}
	}
	return 0, false
}

func (p *parser) not(level int) (Expr, error) {
	if !p.keyword("not") {
		return p.binary(level + 1)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.not(level)
	if err != nil {
		return nil, err
	}
	return &Unary{Op: OpNot, X: x}, nil
}

func (p *parser) unary() (Expr, error) {
	if p.peek().kind != tokMinus {
		return p.primary()
	}
	p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	if l, ok := x.(*Literal); ok && (l.V.Kind == Number || l.V.Kind == Duration) {
		l.V.Num, l.V.T = -l.V.Num, -l.V.T
		return l, nil
	}
	return &Unary{Op: OpNeg, X: x}, nil
}

func (p *parser) primary() (Expr, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, errorf(c.pos, "missing ')'")
		}
		return e, nil
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, errorf(t.pos, "bad number %q", t.text)
		}
		return &Literal{V: NumberValue(f)}, nil
	case tokString:
		return &Literal{V: StringValue(t.text)}, nil
	case tokTime:
		v, err := parseTimeLiteral(t.text, t.pos)
		if err != nil {
			return nil, err
		}
		return &Literal{V: v}, nil
	case tokTyped:
		return typedLiteral(t)
	case tokIdent:
		return p.identifier(t)
	case tokEOF:
		return nil, errorf(t.pos, "unexpected end of expression")
	}
	return nil, errorf(t.pos, "unexpected %q", t.text)
}

func typedLiteral(t token) (Expr, error) {
	switch strings.ToLower(t.pre) {
	case "duration":
		d, err := parseDuration(t.text, t.pos)
		if err != nil {
			return nil, err
		}
		return &Literal{V: Value{Kind: Duration, T: d}}, nil
	case "geography", "geometry":
		return nil, errorf(t.pos, "geospatial literals are not supported")
	}
	return nil, errorf(t.pos, "unknown literal type %q", t.pre)
}

func (p *parser) identifier(t token) (Expr, error) {
	switch t.text {
	case "true", "false":
		return &Literal{V: BoolValue(t.text == "true")}, nil
	case "null":
		return &Literal{}, nil
	}
	if p.peek().kind == tokLParen {
		return p.call(t)
	}
	if _, isOp := keywords[t.text]; isOp {
		return nil, errorf(t.pos, "operator %q where a value was expected", t.text)
	}
	segs := []string{t.text}
	for p.peek().kind == tokSlash {
		p.next()
		s := p.next()
		if s.kind != tokIdent {
			return nil, errorf(s.pos, "property name expected after '/'")
		}
		segs = append(segs, s.text)
	}
	return &Path{Segments: segs}, nil
}

var keywords = map[string]bool{}

func init() {
	for _, name := range opNames {
		keywords[name] = true
	}
	delete(keywords, "-")
}

func (p *parser) call(name token) (Expr, error) {
	p.next() // (
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	c := &Call{Name: strings.ToLower(name.text)}
	if p.peek().kind == tokRParen {
		p.next()
		return c, nil
	}
	for {
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, arg)
		switch t := p.next(); t.kind {
		case tokComma:
			continue
		case tokRParen:
			return c, nil
		default:
			return nil, errorf(t.pos, "expected ',' or ')' in the arguments of %s", c.Name)
		}
	}
}

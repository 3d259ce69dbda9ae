package query

import (
	"fmt"
	"strings"
)

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokNumber
	tokString // '…' with '' as an escaped quote; text holds the unescaped content
	tokTime   // a bare ISO 8601 date, date-time or "start/end" interval
	tokTyped  // a prefixed literal such as duration'P1D'; text is the content, pre the prefix
	tokLParen
	tokRParen
	tokComma
	tokSlash
	tokMinus
)

type token struct {
	kind tokKind
	text string
	pre  string // the prefix of a tokTyped literal
	pos  int
}

// Error is a syntax or binding error in a query option. Pos is a byte offset into the
// option's value, or -1 when no position applies.
type Error struct {
	Pos int
	Msg string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Pos < 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s (at offset %d)", e.Msg, e.Pos)
}

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// lex splits an expression into tokens (OData 4.01 ABNF, the subset 18-088 Table 21–25 uses).
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',' || c == '/' || c == '-':
			toks = append(toks, token{kind: punct[c], text: s[i : i+1], pos: i})
			i++
		case c == '\'':
			text, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: text, pos: i})
			i += n
		case isDigit(c):
			t, n := lexNumberOrTime(s, i)
			toks = append(toks, t)
			i += n
		case isIdentStart(c):
			t, n, err := lexIdent(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		default:
			return nil, errorf(i, "unexpected character %q", c)
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

var punct = map[byte]tokKind{
	'(': tokLParen, ')': tokRParen, ',': tokComma, '/': tokSlash, '-': tokMinus,
}

// lexString reads a quoted string starting at s[i] == '\” and returns its content and the
// number of bytes consumed. Two quotes in a row stand for one (OData ABNF SQUOTE-in-string).
func lexString(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		if s[j] != '\'' {
			b.WriteByte(s[j])
			continue
		}
		if j+1 < len(s) && s[j+1] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return b.String(), j + 1 - i, nil
	}
	return "", 0, errorf(i, "unterminated string literal")
}

// lexNumberOrTime reads a number, or a date/time literal when the digits are followed by
// "-" as in 2016-01-01 (a subtraction needs spaces around "sub", so there is no ambiguity).
func lexNumberOrTime(s string, i int) (token, int) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j-i == 4 && j < len(s) && s[j] == '-' {
		for j < len(s) && isTimeChar(s[j]) {
			j++
		}
		return token{kind: tokTime, text: s[i:j], pos: i}, j - i
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	return token{kind: tokNumber, text: s[i:j], pos: i}, j - i
}

// lexIdent reads an identifier or path segment; identifiers may contain '.', '@' and '$'
// (geo.distance, @iot.id). An identifier directly followed by a quote is a typed literal.
func lexIdent(s string, i int) (token, int, error) {
	j := i
	for j < len(s) && isIdentChar(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '\'' {
		text, n, err := lexString(s, j)
		if err != nil {
			return token{}, 0, err
		}
		return token{kind: tokTyped, pre: s[i:j], text: text, pos: i}, j - i + n, nil
	}
	return token{kind: tokIdent, text: s[i:j], pos: i}, j - i, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || c == '@' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '.' }

func isTimeChar(c byte) bool {
	return isDigit(c) || c == '-' || c == ':' || c == '.' || c == '+' || c == '/' ||
		c == 'T' || c == 'Z' || c == 't' || c == 'z'
}

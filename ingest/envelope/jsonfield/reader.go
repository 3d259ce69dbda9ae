package jsonfield

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax is wrapped by every error of a Reader: the input is not valid JSON, or a value
// has a type the parser cannot use.
var ErrSyntax = errors.New("invalid JSON")

// maxDepth bounds the nesting of objects and arrays, so that hostile input cannot exhaust the
// stack of Value and Skip.
const maxDepth = 512

// Reader decodes one JSON text (RFC 8259) held in memory, a value at a time. The envelope
// parsers read the keys they know and skip the rest, without building a tree or using
// reflection; everything skipped is still checked against the grammar. The first error
// sticks: later calls do nothing and return zero values, and Err reports it, so a parser
// checks once at the end. Keys and StringBytes may alias the input.
type Reader struct {
	b      []byte
	i      int
	err    error
	first  bool // just after '{' or '['
	depth  int
	key    []byte
	keyBuf []byte
}

// NewReader returns a Reader of b.
func NewReader(b []byte) Reader {
	return Reader{b: b}
}

// Err returns the first error met, wrapping ErrSyntax.
func (r *Reader) Err() error { return r.err }

// fail records an error (if none is recorded yet) at the current position.
func (r *Reader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at offset %d: %s", ErrSyntax, r.i, msg)
	}
}

func (r *Reader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r': // RFC 8259 §2
			r.i++
		default:
			return
		}
	}
}

// Kind reports what the next value is: '{', '[', '"', 't', 'f', 'n', or '0' for a number;
// 0 at the end of the input or after an error.
func (r *Reader) Kind() byte {
	if r.err != nil {
		return 0
	}
	r.ws()
	if r.i >= len(r.b) {
		return 0
	}
	c := r.b[r.i]
	if c == '-' || ('0' <= c && c <= '9') {
		return '0'
	}
	return c
}

// End checks that nothing but whitespace follows the value read.
func (r *Reader) End() {
	if r.err != nil {
		return
	}
	if r.ws(); r.i < len(r.b) {
		r.fail("data after the JSON value")
	}
}

// Object starts reading an object; Next then steps through its members. It returns false for
// null, which parsers treat as absent, and fails for any other type.
func (r *Reader) Object() bool {
	return r.open('{', "an object")
}

// Array starts reading an array; NextItem then steps through it. Like Object for null.
func (r *Reader) Array() bool {
	return r.open('[', "an array")
}

func (r *Reader) open(c byte, what string) bool {
	switch r.Kind() {
	case c:
		r.depth++
		if r.depth > maxDepth {
			r.fail("nested too deep")
			return false
		}
		r.i++
		r.first = true
		return true
	case 'n':
		r.literal("null")
		return false
	}
	r.fail("want " + what)
	return false
}

// Next advances to the next member of the object being read and reports whether there is
// one; Key then returns its key, and the caller must read or Skip its value.
func (r *Reader) Next() bool {
	if !r.more('}') {
		return false
	}
	r.ws()
	raw, esc := r.str()
	if r.err != nil {
		return false
	}
	r.key = raw
	if esc {
		r.keyBuf = unescape(r.keyBuf[:0], raw)
		r.key = r.keyBuf
	}
	if r.ws(); r.i >= len(r.b) || r.b[r.i] != ':' {
		r.fail("want ':'")
		return false
	}
	r.i++
	return true
}

// Key returns the key of the current member. It is valid until the next call to Next.
func (r *Reader) Key() []byte { return r.key }

// NextItem advances to the next element of the array being read; the caller must read or
// Skip it.
func (r *Reader) NextItem() bool {
	return r.more(']')
}

// more consumes the ',' before the next member or element, or the closing bracket.
func (r *Reader) more(closer byte) bool {
	if r.err != nil {
		return false
	}
	r.ws()
	if r.i >= len(r.b) {
		r.fail("unexpected end")
		return false
	}
	c := r.b[r.i]
	switch {
	case c == closer:
		r.i++
		r.depth--
		r.first = false
		return false
	case r.first:
		r.first = false
		return true
	case c == ',':
		r.i++
		return true
	}
	r.fail("want ',' or '" + string(closer) + "'")
	return false
}

// literal consumes the literal word (true, false, null).
func (r *Reader) literal(word string) {
	if len(r.b)-r.i < len(word) || string(r.b[r.i:r.i+len(word)]) != word {
		r.fail("invalid literal")
		return
	}
	r.i += len(word)
}

// str consumes a string (RFC 8259 §7) and returns its raw content and whether it holds
// escapes.
func (r *Reader) str() (raw []byte, escaped bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		r.fail("want a string")
		return nil, false
	}
	start := r.i + 1
	for i := start; i < len(r.b); i++ {
		i = plainRun(r.b, i)
		if i >= len(r.b) {
			break
		}
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			return r.b[start:i], escaped
		case c == '\\':
			n := escapeLen(r.b[i:])
			if n == 0 {
				r.i = i
				r.fail("invalid escape")
				return nil, false
			}
			escaped = true
			i += n - 1
		case c < 0x20:
			r.i = i
			r.fail("control character in string")
			return nil, false
		}
	}
	r.i = len(r.b)
	r.fail("unterminated string")
	return nil, false
}

// Masks for testing 8 bytes at once ("SWAR"; see Hacker's Delight §6-1, "find first 0-byte").
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun returns the index of the first byte at or after i that ends a plain run of string
// content: a '"', a '\\' or a control character, or len(b). It tests 8 bytes at a time.
func plainRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		quote := x ^ (ones * '"')
		slash := x ^ (ones * '\\')
		special := (x-ones*0x20)&^x | (quote-ones)&^quote | (slash-ones)&^slash
		if special&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// escapeLen returns the length of the escape sequence at the start of b, or 0 if invalid.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		for _, c := range b[2:6] {
			if hexVal(c) < 0 {
				return 0
			}
		}
		return 6
	}
	return 0
}

func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// unescape appends the decoded form of raw, whose escapes str has checked. A lone UTF-16
// surrogate becomes U+FFFD, as encoding/json does.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			var ru rune
			ru, i = u4(raw, i+1), i+4
			if utf16.IsSurrogate(ru) {
				ru2 := utf8.RuneError
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					ru2 = u4(raw, i+3)
				}
				if d := utf16.DecodeRune(ru, ru2); d != utf8.RuneError {
					ru, i = d, i+6
				} else {
					ru = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, ru)
		default: // '"', '\\', '/'
			dst = append(dst, raw[i])
		}
	}
	return dst
}

func u4(b []byte, i int) rune {
	return hexVal(b[i])<<12 | hexVal(b[i+1])<<8 | hexVal(b[i+2])<<4 | hexVal(b[i+3])
}

// number consumes a number (RFC 8259 §6) and returns its text.
func (r *Reader) number() []byte {
	b, start := r.b, r.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		r.fail("invalid number")
		return nil
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			r.fail("invalid number")
			return nil
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if j := digits(b, i); j > i {
			i = j
		} else {
			r.fail("invalid number")
			return nil
		}
	}
	r.i = i
	return b[start:i]
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// Skip consumes the next value, whatever it is, checking its syntax.
func (r *Reader) Skip() {
	switch r.Kind() {
	case '{':
		r.Object()
		for r.Next() {
			r.Skip()
		}
	case '[':
		r.Array()
		for r.NextItem() {
			r.Skip()
		}
	case '"':
		r.str()
	case 't':
		r.literal("true")
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	case '0':
		r.number()
	default:
		r.fail("want a value")
	}
}

// Present consumes the next value and reports whether it was something other than null.
// Parsers use it for keys whose presence tells event kinds apart.
func (r *Reader) Present() bool {
	present := r.Kind() != 'n'
	r.Skip()
	return present && r.err == nil
}

// StringBytes reads a string and returns its decoded content, aliasing the input when it
// holds no escapes. null gives nil; other types fail.
func (r *Reader) StringBytes() []byte {
	switch r.Kind() {
	case '"':
		raw, esc := r.str()
		if esc {
			return unescape(make([]byte, 0, len(raw)), raw)
		}
		return raw
	case 'n':
		r.literal("null")
		return nil
	}
	r.fail("want a string")
	return nil
}

// String reads a string; null gives "". Invalid UTF-8 is replaced by U+FFFD.
func (r *Reader) String() string {
	b := r.StringBytes()
	if !utf8.Valid(b) {
		return string(toValidUTF8(b))
	}
	return string(b)
}

func toValidUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		ru, n := utf8.DecodeRune(b)
		out = utf8.AppendRune(out, ru)
		b = b[n:]
	}
	return out
}

// Uint reads an unsigned integer written as a number or as a decimal string (the protobuf
// JSON mapping writes 64-bit integers as strings). null gives 0.
func (r *Reader) Uint() uint64 {
	var text []byte
	switch r.Kind() {
	case '0':
		text = r.number()
	case '"':
		text, _ = r.str()
	case 'n':
		r.literal("null")
		return 0
	default:
		r.fail("want an unsigned integer")
		return 0
	}
	v, err := strconv.ParseUint(string(text), 10, 64)
	if err != nil && r.err == nil {
		r.fail("want an unsigned integer, not " + strconv.Quote(string(text)))
	}
	return v
}

// Float reads a number; null gives 0.
func (r *Reader) Float() float64 {
	switch r.Kind() {
	case '0':
		text := r.number()
		v, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			r.fail("number out of range")
		}
		return v
	case 'n':
		r.literal("null")
		return 0
	}
	r.fail("want a number")
	return 0
}

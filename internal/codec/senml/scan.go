package senml

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/vindel-hub/vindel/internal/codec"
)

// parsePack splits a SenML JSON pack (RFC 8428 §5: an array of objects) into typed
// records. The bytes are first checked to be valid JSON, so the scan below only walks the
// structure: it does not meet malformed input.
func parsePack(b []byte) ([]rawRecord, error) {
	if !json.Valid(b) {
		return nil, fmt.Errorf("senml: not valid JSON: %w", codec.ErrInvalid)
	}
	s := scanner{b: b}
	s.ws()
	if s.peek() != '[' {
		return nil, fmt.Errorf("senml: pack is not an array: %w", codec.ErrInvalid)
	}
	s.i++

	recs := make([]rawRecord, 0, 4)
	for s.ws(); s.peek() != ']'; s.ws() {
		if s.peek() == ',' {
			s.i++
			s.ws()
		}
		r, err := s.record()
		if err != nil {
			return nil, fmt.Errorf("senml: record %d: %w", len(recs), err)
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("senml: empty pack: %w", codec.ErrInvalid)
	}
	return recs, nil
}

// scanner walks JSON already known to be valid.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// record reads one object of the pack and types its fields.
func (s *scanner) record() (rawRecord, error) {
	var r rawRecord
	if s.peek() != '{' {
		return r, fmt.Errorf("not an object: %w", codec.ErrInvalid)
	}
	s.i++
	for s.ws(); s.peek() != '}'; s.ws() {
		if s.peek() == ',' {
			s.i++
			s.ws()
		}
		label, err := labelOf(s.value())
		if err != nil {
			return r, err
		}
		s.ws()
		s.i++ // the colon
		s.ws()
		if err := r.field(label, s.value()); err != nil {
			return r, err
		}
	}
	s.i++
	return r, r.check()
}

// value returns the raw bytes of the JSON value at the cursor and moves past it.
func (s *scanner) value() []byte {
	start := s.i
	switch s.peek() {
	case '"':
		s.skipString()
	case '{', '[':
		for depth := 0; ; {
			switch s.b[s.i] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				break
			}
		}
	default: // number, true, false, null
		for s.i < len(s.b) && !endsScalar(s.b[s.i]) {
			s.i++
		}
	}
	return s.b[start:s.i]
}

func endsScalar(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// labelOf is a key's text: its raw bytes unless it has escapes. Its bytes are only looked
// up, so the common case does not allocate.
func labelOf(raw []byte) ([]byte, error) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, nil
	}
	s, err := jsonString(raw)
	return []byte(s), err
}

// skipString moves past the string starting at the cursor.
func (s *scanner) skipString() {
	for s.i++; s.b[s.i] != '"'; s.i++ {
		if s.b[s.i] == '\\' {
			s.i++
		}
	}
	s.i++
}

// Package envelope turns a received ingest.Message into an ingest.Uplink: it finds the
// dialect of the envelope (ingest/formats.md §1.3) unless the source fixed it, and
// hands the body to the parser of that dialect in ingest/chirpstack or ingest/tts.
package envelope

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/chirpstack"
	"github.com/vindel-hub/vindel/ingest/envelope/jsonfield"
	"github.com/vindel-hub/vindel/ingest/tts"
)

// Parse detects the dialect of m unless m.Dialect is set, and parses it. The Uplink gets
// Source from m and the dialect used. A known non-uplink event (from m.Event, the ?event=
// query or the topic suffix) is refused before parsing. Every error wraps exactly one of
// ingest.ErrMalformed, ErrNoDevEUI, ErrOversized, ErrNotUplink and ErrBadPayload. With an
// error, the Uplink holds what could be read before it (its DevEUI, when that was valid), so
// the pipeline can keep the raw envelope for its device.
func Parse(m ingest.Message) (ingest.Uplink, error) {
	if firstNonSpace(m.Body) < 0 {
		return ingest.Uplink{}, fmt.Errorf("%w: empty body", ingest.ErrMalformed)
	}
	ev := eventName(&m)
	kind := classifyEvent(ev)
	if kind == eventOther {
		return ingest.Uplink{}, fmt.Errorf("event %q: %w", ev, ingest.ErrNotUplink)
	}
	d := m.Dialect
	if d == ingest.DialectUnknown {
		d = Detect(m.ContentType, m.Body)
	}

	u, err := parseDialect(d, m.Body, kind)
	if guessedBinary(m, d) && errors.Is(err, ingest.ErrMalformed) {
		// Protobuf was only a guess for a body that is no JSON object: say both.
		err = fmt.Errorf("neither a JSON object nor a ChirpStack v3 protobuf event: %w", err)
	}
	u.Source = m.Source
	u.Dialect = d
	return u, err
}

func parseDialect(d ingest.Dialect, body []byte, kind eventKind) (ingest.Uplink, error) {
	switch d {
	case ingest.DialectChirpStackV3:
		return chirpstack.ParseV3JSONv3(body)
	case ingest.DialectChirpStackV3J:
		return chirpstack.ParseV3JSON(body)
	case ingest.DialectChirpStackV4:
		return chirpstack.ParseV4JSON(body)
	case ingest.DialectTTS:
		return tts.ParseUplink(body)
	case ingest.DialectChirpStackV3P:
		return parseProtobuf(body, kind)
	case ingest.DialectSenML:
		return ingest.Uplink{}, fmt.Errorf("%w: SenML is a payload, not an envelope",
			ingest.ErrMalformed)
	}
	if d == ingest.DialectUnknown {
		return ingest.Uplink{}, fmt.Errorf("%w: %s", ingest.ErrMalformed, unknownWhy(body))
	}
	return ingest.Uplink{}, fmt.Errorf("%w: dialect %q is not one Vindel reads",
		ingest.ErrMalformed, d)
}

// guessedBinary reports whether Parse took m for protobuf only because its body is not a
// JSON object: no dialect fixed, no protobuf Content-Type.
func guessedBinary(m ingest.Message, d ingest.Dialect) bool {
	return d == ingest.DialectChirpStackV3P && m.Dialect == ingest.DialectUnknown &&
		!isProtobufType(mediaType(m.ContentType))
}

// unknownWhy says why Detect found no dialect in body, for the raw uplink's detail and the
// log: not JSON at all, or JSON without the keys of any envelope. It reads only the top
// level, and builds nothing of the rest.
func unknownWhy(body []byte) string {
	if !json.Valid(body) {
		var raw json.RawMessage
		err := json.Unmarshal(body, &raw) // the syntax error, found before anything is copied
		return "not valid JSON: " + err.Error()
	}
	r := jsonfield.NewReader(body)
	if k := r.Kind(); k != '{' {
		return fmt.Sprintf("JSON %s, not an envelope object", kindNames[k])
	}
	const shown = 8
	var keys []string
	n := 0
	for r.Object(); r.Next(); n++ {
		if len(keys) < shown {
			keys = append(keys, shortKey(r.Key()))
		}
		r.Skip()
	}
	if err := r.Err(); err != nil {
		return err.Error()
	}
	if n == 0 {
		return "an empty JSON object"
	}
	list := strings.Join(keys, ", ")
	if n > shown {
		list += fmt.Sprintf(" and %d more", n-shown)
	}
	return fmt.Sprintf("a JSON object of no known dialect (top-level keys: %s)", list)
}

var kindNames = map[byte]string{'[': "array", '"': "string", 't': "boolean", 'f': "boolean",
	'n': "null", '0': "number"}

// shortKey is a key as unknownWhy shows it: valid UTF-8, at most 40 bytes and an ellipsis.
func shortKey(k []byte) string {
	if len(k) <= 40 {
		return strings.ToValidUTF8(string(k), "\uFFFD")
	}
	return strings.ToValidUTF8(string(k[:40]), "") + "…"
}

// parseProtobuf parses a v3 protobuf event. The bytes do not say which event they are
// (§1.2), so only a Message whose event is known to be "up" gives an Uplink; others are
// still parsed, so that garbage counts as malformed rather than as a skipped event.
func parseProtobuf(body []byte, kind eventKind) (ingest.Uplink, error) {
	u, err := chirpstack.ParseV3Protobuf(body)
	if err != nil {
		return ingest.Uplink{}, err
	}
	if kind != eventUplink {
		return ingest.Uplink{}, fmt.Errorf("protobuf event of unknown type: %w",
			ingest.ErrNotUplink)
	}
	return u, nil
}

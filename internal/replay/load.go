package replay

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxLine bounds one line of a recording; an uplink envelope is a few kilobytes.
const maxLine = 1 << 20

// Record is one recorded uplink: the topic it was published on and the envelope bytes.
type Record struct {
	Topic string
	Body  []byte
}

// line is one line of a recording file.
type line struct {
	Topic         string          `json:"topic"`
	Payload       json.RawMessage `json:"payload"`
	PayloadBase64 *string         `json:"payloadBase64"`
}

// Load reads recordings in the JSON Lines format described in the package comment, in the
// order given. Errors name the file and line.
func Load(paths ...string) ([]Record, error) {
	var recs []Record
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		got, err := parse(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
		recs = append(recs, got...)
	}
	if len(recs) == 0 {
		return nil, errors.New("replay: the recordings hold no uplinks")
	}
	return recs, nil
}

// parse reads the records of one recording; name labels errors.
func parse(r io.Reader, name string) ([]Record, error) {
	var recs []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		rec, err := parseLine(text)
		if err != nil {
			return nil, fmt.Errorf("replay: %s:%d: %w", name, n, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: %s: %w", name, err)
	}
	return recs, nil
}

func parseLine(text []byte) (Record, error) {
	var l line
	if err := json.Unmarshal(text, &l); err != nil {
		return Record{}, err
	}
	if err := checkTopic(l.Topic); err != nil {
		return Record{}, err
	}

	hasJSON := len(l.Payload) > 0 && string(l.Payload) != "null"
	switch {
	case hasJSON && l.PayloadBase64 != nil:
		return Record{}, errors.New(`both "payload" and "payloadBase64"`)
	case hasJSON:
		if l.Payload[0] != '{' {
			return Record{}, errors.New(`"payload" is not a JSON object`)
		}
		return Record{Topic: l.Topic, Body: bytes.Clone(l.Payload)}, nil
	case l.PayloadBase64 != nil:
		body, err := base64.StdEncoding.DecodeString(*l.PayloadBase64)
		if err != nil {
			return Record{}, fmt.Errorf(`"payloadBase64": %w`, err)
		}
		return Record{Topic: l.Topic, Body: body}, nil
	}
	return Record{}, errors.New(`neither "payload" nor "payloadBase64"`)
}

// checkTopic applies MQTT 3.1.1 §4.7: a topic name to publish on is not empty and holds no
// wildcard characters (§3.3.2.1).
func checkTopic(t string) error {
	if t == "" {
		return errors.New(`"topic" is missing or empty`)
	}
	if strings.ContainsAny(t, "+#\x00") {
		return fmt.Errorf("topic %q holds a wildcard or NUL", t)
	}
	return nil
}

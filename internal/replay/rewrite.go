package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// edit is what Run changes in one envelope before publishing it.
type edit struct {
	shift bool      // move the timestamps so that the newest is now
	now   time.Time // the "now" of shift
	fcnt  uint32    // added to the frame counter (modulo 2^32, as the counter wraps)
}

func (e edit) none() bool { return !e.shift && e.fcnt == 0 }

// rewrite applies e to body: a JSON envelope (ChirpStack v3/v4, TTS) or a ChirpStack v3
// protobuf UplinkEvent. A body that is neither is returned unchanged.
func rewrite(body []byte, e edit) ([]byte, error) {
	if e.none() {
		return body, nil
	}
	if isJSON(body) {
		return rewriteJSON(body, e)
	}
	if out, ok := rewriteProto(body, e); ok {
		return out, nil
	}
	return body, nil
}

// isJSON tells a JSON envelope from protobuf: a proto3 message never starts with '{' (field
// 15, wire type 3, a deprecated group).
func isJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func decodeJSON(body []byte) (map[string]any, error) {
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep every number exactly as written
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("replay: envelope: %w", err)
	}
	if env == nil {
		return nil, errors.New("replay: envelope is null")
	}
	return env, nil
}

func rewriteJSON(body []byte, e edit) ([]byte, error) {
	env, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if e.shift {
		shiftTimes(env, e.now)
	}
	if e.fcnt != 0 {
		for _, f := range fcntFields(env) {
			if n, ok := f.get(); ok {
				f.set(n + e.fcnt)
			}
		}
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // leave "<", ">" and "&" in strings as they were
	if err := enc.Encode(env); err != nil {
		return nil, fmt.Errorf("replay: envelope: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// field is one key of one JSON object.
type field struct {
	obj map[string]any
	key string
}

// timeFields lists the timestamps of the envelope layouts (ingest/formats.md):
// ChirpStack v3 publishedAt and rxInfo[].time; v4 time and rxInfo[].nsTime/gwTime; TTS
// received_at, uplink_message.received_at, rx_metadata[].time/received_at, settings.time.
func timeFields(env map[string]any) []field {
	var fs []field
	add := func(obj map[string]any, keys ...string) {
		for _, k := range keys {
			if _, ok := obj[k].(string); ok {
				fs = append(fs, field{obj, k})
			}
		}
	}
	add(env, "time", "publishedAt", "received_at")
	for _, rx := range objects(env["rxInfo"]) {
		add(rx, "time", "nsTime", "gwTime")
	}
	if up, ok := env["uplink_message"].(map[string]any); ok {
		add(up, "received_at")
		for _, rx := range objects(up["rx_metadata"]) {
			add(rx, "time", "received_at")
		}
		if st, ok := up["settings"].(map[string]any); ok {
			add(st, "time")
		}
	}
	return fs
}

// shiftTimes moves every timestamp by one amount, so that the newest becomes now and the
// gaps between gateway, network server and application server times stay as recorded.
func shiftTimes(env map[string]any, now time.Time) {
	type stamp struct {
		f field
		t time.Time
	}
	var stamps []stamp
	var newest time.Time
	for _, f := range timeFields(env) {
		t, err := time.Parse(time.RFC3339Nano, f.obj[f.key].(string))
		if err != nil {
			continue // not a timestamp after all: leave it
		}
		stamps = append(stamps, stamp{f, t})
		if t.After(newest) {
			newest = t
		}
	}
	delta := now.Sub(newest)
	for _, s := range stamps {
		s.f.obj[s.f.key] = s.t.Add(delta).UTC().Format(time.RFC3339Nano)
	}
}

func objects(v any) []map[string]any {
	arr, _ := v.([]any)
	var out []map[string]any
	for _, a := range arr {
		if o, ok := a.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// fcntFields finds the frame counter: fCnt beside fPort in ChirpStack, f_cnt in a TTS
// uplink_message. Protobuf JSON leaves out a counter of 0, so where the frame's other
// fields are present the counter is listed even when missing.
func fcntFields(env map[string]any) []field {
	var fs []field
	if has(env, "fCnt") || has(env, "fPort") {
		fs = append(fs, field{env, "fCnt"})
	}
	if up, ok := env["uplink_message"].(map[string]any); ok {
		if has(up, "f_cnt") || has(up, "f_port") || has(up, "frm_payload") {
			fs = append(fs, field{up, "f_cnt"})
		}
	}
	return fs
}

func has(obj map[string]any, key string) bool {
	_, ok := obj[key]
	return ok
}

// get reads the counter; a missing one is 0, one that is not a number is reported false.
func (f field) get() (uint32, bool) {
	v, ok := f.obj[f.key]
	if !ok {
		return 0, true
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(num.String(), 10, 64)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

func (f field) set(n uint32) {
	f.obj[f.key] = json.Number(strconv.FormatUint(uint64(n), 10))
}

// fcntOf returns the frame counter of body, if it has one.
func fcntOf(body []byte) (uint32, bool) {
	if !isJSON(body) {
		return protoFCnt(body)
	}
	env, err := decodeJSON(body)
	if err != nil {
		return 0, false
	}
	for _, f := range fcntFields(env) {
		if n, ok := f.get(); ok {
			return n, true
		}
	}
	return 0, false
}

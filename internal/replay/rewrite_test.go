package replay

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at reads a value from a decoded envelope by a dotted path; numbers index arrays.
func at(t *testing.T, env map[string]any, path string) any {
	t.Helper()
	var v any = env
	for _, k := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[k]
		case []any:
			v = c[k[0]-'0']
		default:
			t.Fatalf("%s: no %s", path, k)
		}
	}
	return v
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	env, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return env
}

// The wanted times are the recorded ones moved so that the newest lands on now; the gaps to
// the newest are worked out from the sample files by hand.
func TestShiftTimestamps(t *testing.T) {
	recs, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
		want map[string]string
	}{
		{"chirpstack v3", recs[0].Body, map[string]string{
			"rxInfo.0.time": "2026-01-02T03:04:05Z", // its only timestamp
		}},
		{"chirpstack v4", recs[1].Body, map[string]string{
			"time":            "2026-01-02T03:04:05Z",
			"rxInfo.0.nsTime": "2026-01-02T03:04:04.918363796Z",
		}},
		{"the things stack", recs[2].Body, map[string]string{
			"received_at":                              "2026-01-02T03:04:05Z",
			"uplink_message.received_at":               "2026-01-02T03:04:04.808811409Z",
			"uplink_message.rx_metadata.0.time":        "2026-01-02T03:04:04.776148107Z",
			"uplink_message.rx_metadata.0.received_at": "2026-01-02T03:04:04.797683228Z",
			"uplink_message.settings.time":             "2026-01-02T03:04:04.776148107Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := rewrite(tt.body, edit{shift: true, now: now})
			if err != nil {
				t.Fatal(err)
			}
			got, orig := decode(t, out), decode(t, tt.body)
			for path, want := range tt.want {
				if g := at(t, got, path); g != want {
					t.Errorf("%s = %v, want %s", path, g, want)
				}
				drop(t, got, path)
				drop(t, orig, path)
			}
			// Everything else means the same as before.
			if !reflect.DeepEqual(got, orig) {
				t.Errorf("fields other than the timestamps changed:\n%s", out)
			}
		})
	}
}

func TestShiftKeepsGapsWithPublishedAt(t *testing.T) {
	in := []byte(`{"publishedAt":"2024-03-14T08:15:02.201934Z",` +
		`"rxInfo":[{"time":"2024-03-14T08:15:02.123456Z"},{"time":"not a time"}],"fCnt":1}`)
	out, err := rewrite(in, edit{shift: true, now: now})
	if err != nil {
		t.Fatal(err)
	}
	env := decode(t, out)
	for path, want := range map[string]any{
		"publishedAt":   "2026-01-02T03:04:05Z",
		"rxInfo.0.time": "2026-01-02T03:04:04.921522Z",
		"rxInfo.1.time": "not a time",
		"fCnt":          json.Number("1"),
	} {
		if g := at(t, env, path); g != want {
			t.Errorf("%s = %v, want %v", path, g, want)
		}
	}
}

func TestFCntIncrement(t *testing.T) {
	recs, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
		path string
		want json.Number
	}{
		{"chirpstack v3", recs[0].Body, "fCnt", "4721"},
		{"chirpstack v4", recs[1].Body, "fCnt", "328"},
		{"the things stack", recs[2].Body, "uplink_message.f_cnt", "1217"},
		{"tts counter 0 left out", []byte(`{"uplink_message":{"f_port":1,"frm_payload":"AQ=="}}`),
			"uplink_message.f_cnt", "10"},
		{"chirpstack counter 0 left out", []byte(`{"fPort":2,"data":"AQ=="}`), "fCnt", "10"},
		{"counter wraps", []byte(`{"fCnt":4294967295,"fPort":1}`), "fCnt", "9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := rewrite(tt.body, edit{fcnt: 10})
			if err != nil {
				t.Fatal(err)
			}
			if got := at(t, decode(t, out), tt.path); got != tt.want {
				t.Errorf("%s = %v, want %s", tt.path, got, tt.want)
			}
		})
	}

	// Without a frame, there is no counter to raise.
	out, err := rewrite([]byte(`{"deviceInfo":{"devEui":"a1"},"type":"join"}`), edit{fcnt: 10})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "fCnt") {
		t.Errorf("counter added to a join event: %s", out)
	}
}

func TestFCntSpansPerTopic(t *testing.T) {
	recs := []Record{
		{"a", []byte(`{"fCnt":10,"fPort":1}`)},
		{"a", []byte(`{"fCnt":12,"fPort":1}`)},
		{"b", []byte(`{"uplink_message":{"f_cnt":7,"f_port":1}}`)},
		{"c", []byte(`{"no":"counter"}`)},
	}
	spans := fcntSpans(recs)
	want := map[string]uint32{"a": 3, "b": 1}
	if !reflect.DeepEqual(spans, want) {
		t.Fatalf("spans %v, want %v", spans, want)
	}

	// Round 1 continues after round 0: no counter of topic a repeats.
	seen := map[uint32]bool{}
	for round := range 3 {
		for _, r := range recs[:2] {
			out, err := rewrite(r.Body, edit{fcnt: uint32(round) * spans[r.Topic]})
			if err != nil {
				t.Fatal(err)
			}
			n, _ := fcntOf(out)
			if seen[n] {
				t.Errorf("round %d repeats fCnt %d", round, n)
			}
			seen[n] = true
		}
	}
}

func TestRewriteNoEditKeepsBytes(t *testing.T) {
	in := []byte(`{"b":1,  "a":"<&>"}`)
	out, err := rewrite(in, edit{})
	if err != nil || string(out) != string(in) {
		t.Errorf("rewrite without edit = %s, %v", out, err)
	}
	out, err = rewrite(in, edit{fcnt: 1})
	if err != nil || string(out) != `{"a":"<&>","b":1}` {
		t.Errorf("rewrite = %s, %v", out, err)
	}
	if _, err := rewrite([]byte(`{"a":`), edit{fcnt: 1}); err == nil {
		t.Error("rewrite accepted broken JSON")
	}
}

func FuzzRewrite(f *testing.F) {
	recs, err := Load(fixture)
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range recs {
		f.Add(r.Body, uint32(3), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, fcnt uint32, shift bool) {
		e := edit{shift: shift, now: now, fcnt: fcnt}
		out, err := rewrite(body, e)
		if err != nil {
			return
		}
		if isJSON(body) && !e.none() && !json.Valid(out) {
			t.Fatalf("rewrite produced invalid JSON %q", out)
		}
		before, ok1 := fcntOf(body)
		after, ok2 := fcntOf(out)
		if ok1 && ok2 && !shift && after != before+fcnt {
			t.Fatalf("fCnt %d + %d gave %d", before, fcnt, after)
		}
	})
}

// drop deletes the value at path from env.
func drop(t *testing.T, env map[string]any, path string) {
	t.Helper()
	i := strings.LastIndex(path, ".")
	if i < 0 {
		delete(env, path)
		return
	}
	parent, ok := at(t, env, path[:i]).(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", path[:i])
	}
	delete(parent, path[i+1:])
}

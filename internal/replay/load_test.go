package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixture = "testdata/uplinks.jsonl"

func TestLoadFixture(t *testing.T) {
	recs, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	wantTopics := []string{
		"application/12/device/a1b2c3d4e5f60708/event/up",
		"application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/a1b2c3d4e5f60709/event/up",
		"v3/city-env@ttn/devices/park-sensor-0042/up",
		"application/12/device/a1b2c3d4e5f60708/event/up",
	}
	if len(recs) != len(wantTopics) {
		t.Fatalf("got %d records, want %d", len(recs), len(wantTopics))
	}

	// Each JSON payload is published exactly as it stands in the file.
	lines := fixtureLines(t)
	for i, r := range recs {
		if r.Topic != wantTopics[i] {
			t.Errorf("record %d topic %q, want %q", i, r.Topic, wantTopics[i])
		}
		var l struct{ Payload json.RawMessage }
		if err := json.Unmarshal(lines[i], &l); err != nil {
			t.Fatal(err)
		}
		if l.Payload != nil && !bytes.Equal(r.Body, l.Payload) {
			t.Errorf("record %d body differs from the file's payload", i)
		}
	}
	if isJSON(recs[3].Body) || recs[3].Body[0] != 0x08 { // field 1, varint
		t.Errorf("protobuf record decoded to %x", recs[3].Body[:8])
	}
}

func TestLoadSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jsonl")
	b := filepath.Join(dir, "b.jsonl")
	writeFile(t, a, `{"topic":"t/1","payload":{"n":1}}`+"\n\n"+`{"topic":"t/2","payload":{"n":2}}`)
	writeFile(t, b, `{"topic":"t/3","payloadBase64":"AQI="}`+"\n")

	recs, err := Load(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for _, r := range recs {
		topics = append(topics, r.Topic)
	}
	if got := strings.Join(topics, ","); got != "t/1,t/2,t/3" {
		t.Errorf("topics %s", got)
	}
	if !bytes.Equal(recs[2].Body, []byte{1, 2}) {
		t.Errorf("base64 body %x", recs[2].Body)
	}

	empty := filepath.Join(dir, "empty.jsonl")
	writeFile(t, empty, "\n\n")
	if _, err := Load(empty); err == nil {
		t.Error("Load accepted a recording with no uplinks")
	}
	if _, err := Load(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("Load accepted a missing file")
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{"not json", `{"topic":`, "2:"},
		{"no topic", `{"payload":{}}`, "topic"},
		{"wildcard topic", `{"topic":"a/+/b","payload":{}}`, "wildcard"},
		{"hash topic", `{"topic":"a/#","payload":{}}`, "wildcard"},
		{"both payloads", `{"topic":"a","payload":{},"payloadBase64":"AA=="}`, "both"},
		{"no payload", `{"topic":"a"}`, "neither"},
		{"null payload", `{"topic":"a","payload":null}`, "neither"},
		{"array payload", `{"topic":"a","payload":[1]}`, "not a JSON object"},
		{"bad base64", `{"topic":"a","payloadBase64":"!!"}`, "payloadBase64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := `{"topic":"ok","payload":{}}` + "\n" + tt.line + "\n"
			_, err := parse(strings.NewReader(in), "rec.jsonl")
			if err == nil {
				t.Fatal("parse accepted it")
			}
			if !strings.Contains(err.Error(), "rec.jsonl:2") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want file:line and %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, l := range fixtureLines(f) {
		f.Add(l)
	}
	f.Add([]byte(`{"topic":"a","payloadBase64":""}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		recs, err := parse(bytes.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		for _, r := range recs {
			if checkTopic(r.Topic) != nil {
				t.Fatalf("accepted topic %q", r.Topic)
			}
			_, _ = fcntOf(r.Body)
			_, _ = rewrite(r.Body, edit{fcnt: 1})
		}
	})
}

func fixtureLines(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	return lines
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

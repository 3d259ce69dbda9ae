package envelope

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vindel-hub/vindel/ingest"
)

// BenchmarkParse measures Parse per dialect and variant of the sample.
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name    string
		file    string
		dialect ingest.Dialect
	}{
		{"v3-json_v3", chirpstackDir + "v3-json_v3-up.json", ingest.DialectChirpStackV3},
		{"v3-json", chirpstackDir + "v3-json-up.json", ingest.DialectChirpStackV3J},
		{"v3-protobuf", protoSample, ingest.DialectChirpStackV3P},
		{"v4-json", chirpstackDir + "v4-json-up.json", ingest.DialectChirpStackV4},
		{"tts", ttsDir + "tts-v3-up.json", ingest.DialectTTS},
	}
	for _, c := range cases {
		for _, v := range variants(b, readFile(b, c.file), c.dialect) {
			body := v.body
			m := ingest.Message{Source: "bench", Event: "up", Dialect: v.dialect, Body: body}
			b.Run(c.name+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if _, err := Parse(m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type variant struct {
	name    string
	body    []byte
	dialect ingest.Dialect
}

// variants are the sample as written (indented) and compact, as network servers send JSON,
// each with the dialect fixed (as a configured source has it) and detected.
func variants(b *testing.B, body []byte, d ingest.Dialect) []variant {
	b.Helper()
	if d == ingest.DialectChirpStackV3P {
		return []variant{{"binary/fixed", body, d}, {"binary/detect", body, ingest.DialectUnknown}}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		b.Fatal(err)
	}
	compact := buf.Bytes()
	return []variant{
		{"indented/fixed", body, d}, {"indented/detect", body, ingest.DialectUnknown},
		{"compact/fixed", compact, d}, {"compact/detect", compact, ingest.DialectUnknown},
	}
}

// BenchmarkDetect measures dialect detection alone on the largest sample.
func BenchmarkDetect(b *testing.B) {
	body := readFile(b, ttsDir+"tts-v3-up.json")
	b.ReportAllocs()
	for b.Loop() {
		if Detect("", body) != ingest.DialectTTS {
			b.Fatal("wrong dialect")
		}
	}
}

package envelope

import (
	"testing"

	"github.com/vindel-hub/vindel/ingest"
)

// BenchmarkParse measures Parse per dialect, with the dialect fixed (as a configured source
// has it) and with detection.
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
		body := readFile(b, c.file)
		for _, detect := range []bool{false, true} {
			m := ingest.Message{Source: "bench", Event: "up", Dialect: c.dialect, Body: body}
			name := c.name + "/fixed"
			if detect {
				m.Dialect = ingest.DialectUnknown
				name = c.name + "/detect"
			}
			b.Run(name, func(b *testing.B) {
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

package envelope

import (
	"regexp"
	"testing"

	"github.com/vindel-hub/vindel/ingest"
)

var fuzzDialects = []ingest.Dialect{
	ingest.DialectUnknown, // detection
	ingest.DialectChirpStackV3, ingest.DialectChirpStackV3J, ingest.DialectChirpStackV3P,
	ingest.DialectChirpStackV4, ingest.DialectTTS,
}

var hexEUI = regexp.MustCompile(`^[0-9a-f]{16}$`)

// FuzzParse runs Parse over arbitrary bodies with each dialect fixed and with detection. It
// must not panic, every error must wrap exactly one sentinel, and an Uplink must be sound.
func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"devEUI":"a1b2c3d4e5f60708","fCnt":1,"data":"AQ\u003d\u003d"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, d := range fuzzDialects {
			u, err := Parse(ingest.Message{Source: "fuzz", Event: "up", Dialect: d, Body: body})
			if err != nil {
				if n := sentinelCount(err); n != 1 {
					t.Fatalf("dialect %q: error %v wraps %d sentinels", d, err, n)
				}
				continue
			}
			if !hexEUI.MatchString(u.DevEUI) {
				t.Fatalf("dialect %q: DevEUI %q", d, u.DevEUI)
			}
			if len(u.Payload) > ingest.MaxPayload || u.Dialect == ingest.DialectUnknown {
				t.Fatalf("dialect %q: %d payload bytes, Dialect %q", d, len(u.Payload), u.Dialect)
			}
			if !u.ReceivedAt.IsZero() && u.ReceivedAt.Location().String() != "UTC" {
				t.Fatalf("dialect %q: ReceivedAt %v not UTC", d, u.ReceivedAt)
			}
		}
	})
}

// FuzzDetect checks that Detect never panics and that what it finds, Parse accepts as that
// dialect or refuses with a sentinel.
func FuzzDetect(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add("", s)
	}
	f.Add("application/octet-stream", []byte{0x08, 0x01})
	f.Add("application/json; charset=utf-8", []byte(`{"uplink_message":{}}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		d := Detect(contentType, body)
		u, err := Parse(ingest.Message{ContentType: contentType, Event: "up", Body: body})
		if err != nil {
			if n := sentinelCount(err); n != 1 {
				t.Fatalf("error %v wraps %d sentinels", err, n)
			}
			return
		}
		if u.Dialect != d {
			t.Fatalf("Parse used %q, Detect says %q", u.Dialect, d)
		}
	})
}

package envelope

import (
	"mime"
	"strings"

	"github.com/vindel-hub/vindel/ingest"
)

// Detect returns the dialect of body following ingest/formats.md §1.3. contentType is
// the HTTP Content-Type, empty for MQTT. A body that is no JSON object and not protobuf, or a
// JSON object of no known dialect, gives ingest.DialectUnknown.
func Detect(contentType string, body []byte) ingest.Dialect {
	mt := mediaType(contentType)
	if isProtobufType(mt) {
		return ingest.DialectChirpStackV3P // §1.3 rule 1, by Content-Type
	}
	i := firstNonSpace(body)
	if i < 0 {
		return ingest.DialectUnknown
	}
	switch {
	case mt == "application/senml+json" || body[i] == '[':
		return ingest.DialectSenML // RFC 8428 §5: a SenML pack is an array
	case body[i] != '{' && isJSONType(mt):
		return ingest.DialectUnknown
	case body[i] != '{':
		return ingest.DialectChirpStackV3P // §1.3 rule 1: not an object, so binary
	}
	k, ok := scanTop(body[i:])
	if !ok {
		return ingest.DialectUnknown
	}
	return k.dialect()
}

// dialect applies §1.3 rules 2 to 5 to the top-level keys of a JSON object.
func (k *topKeys) dialect() ingest.Dialect {
	switch {
	case k.has(keyEndDeviceIDs | keyUplinkMessage):
		return ingest.DialectTTS // rule 2
	case k.has(keyDeviceInfo | keyDeduplicationID | keyDevEuiV4):
		return ingest.DialectChirpStackV4 // rule 3; a top-level devEui is v4's command/down
	case k.has(keyObjectJSON|keyPublishedAt) || isBase64EUI(k.devEUI):
		return ingest.DialectChirpStackV3J // rule 4
	case k.has(keyDevEUI):
		return ingest.DialectChirpStackV3 // rule 5
	case k.has(keyConfirmed) && k.has(keyFPort|keyData|keyObject):
		// v3 command/down (§1.1) carries no devEUI; the v3 parser reports ErrNotUplink.
		return ingest.DialectChirpStackV3
	}
	return ingest.DialectUnknown
}

// isBase64EUI reports whether s looks like the base64 of 8 bytes: 12 characters ending in "="
// (§1.3 rule 4), as the v3 json marshaler writes devEUI.
func isBase64EUI(s []byte) bool {
	return len(s) == 12 && s[11] == '='
}

func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt
}

// isProtobufType reports the Content-Types ChirpStack's HTTP integration (octet-stream, §1.2)
// and TTS webhooks in protobuf format may send.
func isProtobufType(mt string) bool {
	switch mt {
	case "application/octet-stream", "application/x-protobuf", "application/protobuf",
		"application/vnd.google.protobuf":
		return true
	}
	return false
}

func isJSONType(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// firstNonSpace returns the index of the first byte of b that is not JSON whitespace
// (RFC 8259 §2), or -1.
func firstNonSpace(b []byte) int {
	for i, c := range b {
		if !isSpace(c) {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

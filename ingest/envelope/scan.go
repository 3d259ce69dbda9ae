package envelope

// topKeys is what Detect learns from the top-level keys of a JSON object, without decoding
// it: which of the keys that tell dialects apart are present, and the devEUI value.
type topKeys struct {
	set    keySet
	devEUI []byte // raw content of a string "devEUI", aliasing the body
}

type keySet uint16

const (
	keyEndDeviceIDs keySet = 1 << iota
	keyUplinkMessage
	keyDeviceInfo
	keyDeduplicationID
	keyDevEuiV4
	keyObjectJSON
	keyPublishedAt
	keyDevEUI
	keyConfirmed
	keyFPort
	keyData
	keyObject
)

// keyNames maps the exact (case-sensitive) key spellings the rules of §1.3 look at.
var keyNames = map[string]keySet{
	"end_device_ids":  keyEndDeviceIDs,
	"uplink_message":  keyUplinkMessage,
	"deviceInfo":      keyDeviceInfo,
	"deduplicationId": keyDeduplicationID,
	"devEui":          keyDevEuiV4,
	"objectJSON":      keyObjectJSON,
	"publishedAt":     keyPublishedAt,
	"devEUI":          keyDevEUI,
	"confirmed":       keyConfirmed,
	"fPort":           keyFPort,
	"data":            keyData,
	"object":          keyObject,
}

// has reports whether any of the keys in s is present.
func (k *topKeys) has(s keySet) bool { return k.set&s != 0 }

// scanTop walks the top-level members of the JSON object b (RFC 8259 §4), skipping values
// without decoding them. It checks structure only as far as it needs to find the keys: the
// dialect parser validates the whole document afterwards. ok is false when b is not an
// object or ends early.
func scanTop(b []byte) (k topKeys, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return k, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return k, true
	}
	for i < len(b) {
		start := i
		if i, ok = skipString(b, i); !ok {
			return k, false
		}
		key := b[start+1 : i-1]
		if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
			return k, false
		}
		v := skipSpace(b, i+1)
		if i, ok = skipValue(b, v); !ok {
			return k, false
		}
		k.note(key, b[v:i])
		if i = skipSpace(b, i); i >= len(b) {
			return k, false
		}
		switch b[i] {
		case '}':
			return k, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return k, false
		}
	}
	return k, false
}

// note records one member.
func (k *topKeys) note(key, value []byte) {
	bit, found := keyNames[string(key)] // no allocation: the compiler special-cases this
	if !found {
		return
	}
	k.set |= bit
	if bit == keyDevEUI && len(value) >= 2 && value[0] == '"' {
		k.devEUI = value[1 : len(value)-1]
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] (which must be '"').
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte cannot end the string
		case '"':
			return i + 1, true
		}
	}
	return i, false
}

// skipValue returns the index after the value starting at b[i]: a string, an object or array
// (by bracket depth, strings skipped), or a literal or number (up to a delimiter).
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipNested(b, i)
	}
	start := i
	for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
		i++
	}
	return i, i > start
}

func skipNested(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			var ok bool
			if i, ok = skipString(b, i); !ok {
				return i, false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return i, false
}

package sensorthings

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vindel-hub/vindel/internal/model"
)

// field is one member of a JSON object; object keeps members in order, so that every
// entity reads @iot.id, @iot.selfLink, its properties, then its links.
type field struct {
	k string
	v any
}

type object []field

// response is a finished answer.
type response struct {
	status      int // 0 means 200
	contentType string
	body        []byte
}

func jsonResponse(v any) response {
	return response{contentType: "application/json; charset=utf-8",
		body: appendJSON(make([]byte, 0, 4096), v)}
}

func (r response) write(w http.ResponseWriter) {
	if r.status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", r.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	if r.status != 0 {
		w.WriteHeader(r.status)
	}
	_, _ = w.Write(r.body)
}

// appendJSON encodes the few types entities are built of without reflection; anything
// else goes through encoding/json.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return appendFloat(b, x)
	case model.Value:
		return appendResult(b, x)
	case time.Time:
		b = append(b, '"')
		b = x.UTC().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	case link:
		return appendLink(b, x)
	case span:
		return appendString(b, x.String())
	case object:
		return appendObject(b, x)
	case []object:
		b = append(b, '[')
		for i, o := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendObject(b, o)
		}
		return append(b, ']')
	case []float64:
		b = append(b, '[')
		for i, f := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, f)
		}
		return append(b, ']')
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
}

func appendObject(b []byte, o object) []byte {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.k)
		b = append(b, ':')
		b = appendJSON(b, f.v)
	}
	return append(b, '}')
}

// appendFloat writes a JSON number; NaN and infinities, which JSON cannot carry, as null.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

func appendResult(b []byte, v model.Value) []byte {
	switch v.Kind {
	case model.KindNumber:
		return appendFloat(b, v.Num)
	case model.KindString:
		return appendString(b, v.Str)
	case model.KindBool:
		return strconv.AppendBool(b, v.Num != 0)
	}
	return append(b, "null"...)
}

// appendString writes a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped writes the inside of a JSON string, taking a fast path for plain ASCII.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			enc, _ := json.Marshal(s)
			return append(b, enc[1:len(enc)-1]...)
		}
	}
	return append(b, s...)
}

// formatTime writes an instant in ISO 8601, UTC, with Z (18-088 §8.2.7: TM_Instant).
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

package envelope

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vindel-hub/vindel/ingest"
)

// hostileUnknown are bodies of no known dialect: many keys, deep nesting, long multi-byte
// keys, invalid UTF-8 in keys, control characters, and large arrays.
func hostileUnknown() map[string][]byte {
	var many bytes.Buffer
	many.WriteString("{")
	for i := range 6000 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + `":1`)
	}
	many.WriteString("}")
	arr := `{"x":[` + strings.Repeat("0,", 32<<10) + `0]}`
	return map[string][]byte{
		"many keys": many.Bytes(),
		"deep arrays": []byte(`{"x":` + strings.Repeat("[", 32<<10) +
			strings.Repeat("]", 32<<10) + `}`),
		"deep objects":      []byte(strings.Repeat(`{"a":`, 13000) + "1" + strings.Repeat("}", 13000)),
		"euro key":          []byte(`{"` + strings.Repeat("€", 30) + `":1}`),
		"invalid utf8 key":  []byte("{\"\xff\xfe" + strings.Repeat("\xc3", 50) + "\":1}"),
		"control chars key": []byte(`{"a\u001b[31mred\nnext":1}`),
		"64KiB array":       []byte(arr),
		"not json 64KiB":    bytes.Repeat([]byte{0xff}, 64<<10),
	}
}

// TestUnknownWhyHostile: the error for a body of no known dialect must be short, valid
// UTF-8 and wrap ErrMalformed, however hostile the body.
func TestUnknownWhyHostile(t *testing.T) {
	for name, body := range hostileUnknown() {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse(ingest.Message{Source: "t", Event: "up", Body: body})
			took := time.Since(start)
			if !errors.Is(err, ingest.ErrMalformed) {
				t.Fatalf("err %v, want ErrMalformed", err)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) {
				t.Errorf("error text is not valid UTF-8: %q", msg)
			}
			if len(msg) > 600 {
				t.Errorf("error text is %d bytes", len(msg))
			}
			t.Logf("%d-byte body: %v, %d-byte error", len(body), took, len(msg))
		})
	}
}

// TestUnknownWhyAlloc: explaining a rejected body must not cost many times its size;
// the explanation needs only the top-level keys.
func TestUnknownWhyAlloc(t *testing.T) {
	for _, n := range []int{64 << 10, 1 << 20} {
		body := []byte(`{"x":[` + strings.Repeat("0,", n/2-8) + `0]}`)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Parse(ingest.Message{Source: "t", Event: "up", Body: body})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ingest.ErrMalformed) {
			t.Fatalf("err %v", err)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%d-byte body: %d bytes allocated (%.1fx)", len(body), alloc,
			float64(alloc)/float64(len(body)))
		if alloc > 4*uint64(len(body)) {
			t.Errorf("%d-byte body of no known dialect: %d bytes allocated to explain it "+
				"(%.1fx)", len(body), alloc, float64(alloc)/float64(len(body)))
		}
	}
}

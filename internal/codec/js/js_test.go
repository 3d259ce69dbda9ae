package js

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

type obj = map[string]any

// TestVectors runs the test decoders in testdata/ against the lorawan-devices examples of
// the same devices.
func TestVectors(t *testing.T) {
	tests := []struct {
		script string
		match  func(codectest.Vector) bool
	}{
		{"elsys-ers.js", codectest.Vendor("elsys", "ers-co2", "ers-sound")},
		{tabsScript, codectest.Vendor("browan", "tbhv110", "tbms100", "tbdw100")},
	}
	for _, tc := range tests {
		d := load(t, tc.script, Options{})
		for _, v := range codectest.Vectors(t, codectest.TTNVectors, tc.match) {
			t.Run(tc.script+"/"+v.Device+"/"+v.BytesHex, func(t *testing.T) {
				codectest.CheckVector(t, d, v.Input(t), v)
			})
		}
	}
}

// TestDecode checks hand-worked inputs: what the script sees and how its result comes out.
func TestDecode(t *testing.T) {
	echo := `function decodeUplink(input) {
	  return {data: {n: input.bytes.length, isArray: Array.isArray(input.bytes),
	    first: input.bytes[0], port: input.fPort, year: input.recvTime.getUTCFullYear(),
	    v: input.variables.key, nested: [1, {a: null}], nan: NaN, when: new Date(0)},
	    warnings: ['w1', 2]};
	}`
	tests := []struct {
		name     string
		script   string // file in testdata, or inline source
		in       codec.Input
		want     obj
		warnings int
	}{
		{"input object", echo, codec.Input{FPort: 7, Bytes: []byte{255, 1},
			ReceivedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Variables:  map[string]string{"key": "x"}},
			obj{"n": 2.0, "isArray": true, "first": 255.0, "port": 7.0, "year": 2026.0,
				"v": "x", "nested": []any{1.0, obj{"a": nil}}, "nan": nil,
				"when": "1970-01-01T00:00:00.000Z"}, 2},
		{"browan trailing byte warns", tabsScript,
			codec.Input{FPort: 102, Bytes: codectest.Hex(t, "01 bb 34 0400 dc7801 ff")},
			obj{"battery": 3.6, "count": 96476.0, "status": 1.0, "temperatureBoard": 20.0,
				"time": 4.0}, 1},
		{"elsys negative temperature", "elsys-ers.js",
			codec.Input{FPort: 5, Bytes: codectest.Hex(t, "01 FF 9C 14 00 0F 76 5C")},
			obj{"temperature": -10.0, "pressure": 1013.34}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d codec.Decoder
			if strings.HasSuffix(tc.script, ".js") {
				d = load(t, tc.script, Options{})
			} else {
				d = compile(t, tc.script, Options{})
			}
			out, err := d.Decode(tc.in)
			codectest.CheckOutput(t, out, err, tc.want, tc.warnings)
		})
	}
}

// TestNoLeak runs a script that changes its globals and built-ins in every decode: the next
// decode must not see any of it.
func TestNoLeak(t *testing.T) {
	d := compile(t, `var calls = 0;
	function decodeUplink(input) {
	  calls++;
	  var seen = ({}).leak !== undefined || typeof globalThis.mark !== 'undefined' ||
	    [].push.hacked === true;
	  Object.prototype.leak = 1;
	  globalThis.mark = input.fPort;
	  Array.prototype.push.hacked = true;
	  JSON.stringify = function () { return '{"data":{"forged":1}}'; };
	  return {data: {calls: calls, seen: seen}};
	}`, Options{})
	for port := range uint8(3) {
		out, err := d.Decode(codec.Input{FPort: port})
		codectest.CheckOutput(t, out, err, obj{"calls": 1.0, "seen": false}, 0)
	}
}

// TestConcurrent decodes from many goroutines with one Decoder (run it with -race).
func TestConcurrent(t *testing.T) {
	d := load(t, "elsys-ers.js", Options{})
	in := codec.Input{FPort: 1, Bytes: codectest.Hex(t, "0100e202290400270506060308")}
	want := obj{"temperature": 22.6, "humidity": 41.0, "light": 39.0, "motion": 6.0,
		"co2": 776.0}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				out, err := d.Decode(in)
				if err != nil || !codectest.Equal(t, "data", out.Data, want) {
					t.Errorf("decode: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestConsoleLog checks that console.log reaches the logger, bounded in lines and length.
func TestConsoleLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := compile(t, `function decodeUplink(input) {
	  for (var i = 0; i < 100; i++) { console.log('line', i, new Array(1000).join('x')); }
	  return {data: {}};
	}`, Options{Logger: log})
	if _, err := d.Decode(codec.Input{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != maxLogLines+1 {
		t.Fatalf("%d log lines, want %d + 1", len(lines), maxLogLines)
	}
	if !strings.Contains(lines[0], "line 0 xxx") || len(lines[0]) > maxLogLine+200 {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.Contains(lines[maxLogLines], "count=84") {
		t.Errorf("last line %q, want the count of dropped lines", lines[maxLogLines])
	}

	silent := compile(t, `function decodeUplink(i) { console.log('x'); return {data: {}}; }`,
		Options{})
	if _, err := silent.Decode(codec.Input{}); err != nil {
		t.Errorf("console.log without a logger: %v", err)
	}
}

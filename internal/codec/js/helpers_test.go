package js

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
)

// load compiles testdata/<file> with opt.
func load(tb testing.TB, file string, opt Options) codec.Decoder {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	d, err := New(file, src, roomy(opt))
	if err != nil {
		tb.Fatalf("New(%s): %v", file, err)
	}
	return d
}

// compile compiles an inline script, failing the test when New fails.
func compile(tb testing.TB, src string, opt Options) codec.Decoder {
	tb.Helper()
	d, err := New("inline.js", []byte(src), roomy(opt))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return d
}

// roomy gives a test that is not about the deadline one far off: a -race run on a loaded
// 2-core machine can take longer than the 100 ms default for an honest decode.
func roomy(opt Options) Options {
	if opt.Timeout == 0 {
		opt.Timeout = 10 * time.Second
	}
	return opt
}

// tabsScript is the Browan Tabs decoder Vindel ships in its profiles; the tests run the
// shipped file itself, not a copy. load reads it relative to testdata.
const tabsScript = "../../../../firmware-profiles/browan/tabs.js"

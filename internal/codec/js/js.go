// Package js runs vendor-published JavaScript payload codecs as codec.Decoders, after the
// decodeUplink(input) contract that The Things Stack, ChirpStack v4 and the TTN Device
// Repository share (ingest/formats.md §2.3, §3.4, §4.3), on the goja ECMAScript 5.1+
// interpreter.
//
// Sandbox. Every Decode runs in a fresh goja.Runtime: the compiled program is run anew, so
// nothing a script does in one decode (globals, patched built-ins, closures) is visible in
// the next, whichever device it is for. A pool of runtimes was rejected because a used
// runtime cannot be reset. goja offers no require, module loader, timers, filesystem or
// network, and none is added; console.log is a bounded collector whose lines go to the
// optional Logger at Debug level, or nowhere.
//
// Bounds. A decode (running the program, decodeUplink and serialising the result) is stopped
// with Runtime.Interrupt after Options.Timeout; the call depth is capped so that runaway
// recursion fails with an error instead of exhausting memory; the JSON-encoded result may
// not exceed Options.MaxOutput; payloads longer than MaxInput are refused.
//
// Weak spots. goja has no heap limit, and Interrupt only acts between JavaScript
// instructions: a single built-in call runs to its end, so a script can still allocate much
// memory in one call ('x'.repeat(1e9), new Uint8Array(1e9)) or spin inside a backtracking
// regular expression (goja's regexp2 fallback has no match timeout). Run only scripts from
// a source the operator trusts to be non-hostile; the bounds here stop bugs, not attackers.
package js

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dop251/goja"

	"github.com/vindel-hub/vindel/internal/codec"
)

// Defaults and fixed bounds of a script.
const (
	// DefaultTimeout is the time a decode may take when Options.Timeout is zero.
	DefaultTimeout = 100 * time.Millisecond
	// DefaultMaxOutput is the JSON size of a result allowed when Options.MaxOutput is zero.
	DefaultMaxOutput = 64 << 10
	// MaxInput is the longest payload handed to a script. A LoRaWAN FRMPayload is at most
	// 242 bytes (RP002 regional parameters), so this only stops misuse.
	MaxInput = 64 << 10
	// MaxCallDepth is the deepest JavaScript call stack allowed.
	MaxCallDepth = 1024
	// maxLogLines and maxLogLine bound what console.log collects in one decode.
	maxLogLines = 16
	maxLogLine  = 256
)

// Errors of a misbehaving script, as opposed to a payload the script rejects (those wrap
// codec.ErrInvalid). A caller logs them as a fault of the profile's script, not the device.
var (
	// ErrScript: the script broke the decodeUplink contract or a bound.
	ErrScript = errors.New("decoder script failed")
	// ErrTimeout: the decode ran longer than Options.Timeout. It wraps ErrScript.
	ErrTimeout = fmt.Errorf("%w: timed out", ErrScript)
)

// Options bounds a script.
type Options struct {
	Timeout   time.Duration // per decode, default DefaultTimeout (goja Runtime.Interrupt)
	MaxOutput int           // max bytes of the JSON-encoded result, default DefaultMaxOutput
	Logger    *slog.Logger  // receives console.log lines at Debug level; nil drops them
}

// decoder is a compiled script; it holds no runtime, so it is safe for concurrent use.
type decoder struct {
	name string
	prg  *goja.Program
	opt  Options
}

// New compiles src (ES5.1+, as goja supports) once; it must define decodeUplink(input).
// name identifies the script in errors and log lines (e.g. the profile's codec file). New
// runs the program once, within the same bounds as a decode, to check that decodeUplink is
// a function.
func New(name string, src []byte, opt Options) (codec.Decoder, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.MaxOutput <= 0 {
		opt.MaxOutput = DefaultMaxOutput
	}

	prg, err := goja.Compile(name, string(src), false)
	if err != nil {
		return nil, fmt.Errorf("js codec %s: compile: %w", name, err)
	}
	d := &decoder{name: name, prg: prg, opt: opt}
	started := func(*run) (codec.Output, error) { return codec.Output{}, nil }
	if _, err := d.run(started); err != nil {
		return nil, err
	}
	return d, nil
}

// Decode runs decodeUplink on in in a fresh runtime.
func (d *decoder) Decode(in codec.Input) (codec.Output, error) {
	if len(in.Bytes) > MaxInput {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: payload of %d bytes exceeds %d",
			d.name, codec.ErrInvalid, len(in.Bytes), MaxInput)
	}
	return d.run(func(r *run) (codec.Output, error) { return r.decode(in) })
}

// run prepares a runtime, runs the program in it and then fn, under the timeout, and turns
// whatever goes wrong, a Go panic included, into an error.
func (d *decoder) run(fn func(r *run) (codec.Output, error)) (out codec.Output, err error) {
	r := newRun(d)
	timer := time.AfterFunc(d.opt.Timeout, r.interrupt)
	defer func() {
		timer.Stop()
		r.flushLog()
		if p := recover(); p != nil {
			out, err = codec.Output{}, fmt.Errorf("js codec %s: %w: panic: %v", d.name, ErrScript, p)
		}
	}()

	if err := r.start(); err != nil {
		return codec.Output{}, err
	}
	return fn(r)
}

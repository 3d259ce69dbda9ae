package js

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/dop251/goja"

	"github.com/vindel-hub/vindel/internal/codec"
)

// errTooLarge is thrown inside the runtime when the result outgrows Options.MaxOutput.
var errTooLarge = errors.New("result too large")

// run is one decode: a fresh runtime with the program run in it, used once and dropped.
type run struct {
	d         *decoder
	vm        *goja.Runtime
	stringify goja.Callable // JSON.stringify, taken before the script could replace it
	date      goja.Value    // the Date constructor, likewise
	decodeFn  goja.Callable
	timedOut  atomic.Bool
	budget    int // bytes of JSON the replacer still allows
	logs      []string
	dropped   int
}

func newRun(d *decoder) *run {
	vm := goja.New()
	vm.SetMaxCallStackSize(MaxCallDepth)
	return &run{d: d, vm: vm}
}

// interrupt is called by the timer: it stops the JavaScript at its next instruction.
func (r *run) interrupt() {
	r.timedOut.Store(true)
	r.vm.Interrupt(ErrTimeout)
}

// start installs console, runs the program and finds decodeUplink (§4.3).
func (r *run) start() error {
	json := r.vm.Get("JSON").ToObject(r.vm)
	stringify, ok := goja.AssertFunction(json.Get("stringify"))
	if !ok {
		return fmt.Errorf("js codec %s: %w: no JSON.stringify", r.d.name, ErrScript)
	}
	r.stringify, r.date = stringify, r.vm.Get("Date")

	console := r.vm.NewObject()
	if err := console.Set("log", r.consoleLog); err != nil {
		return fmt.Errorf("js codec %s: console: %w", r.d.name, err)
	}
	if err := r.vm.Set("console", console); err != nil {
		return fmt.Errorf("js codec %s: console: %w", r.d.name, err)
	}

	if _, err := r.vm.RunProgram(r.d.prg); err != nil {
		return r.failure("run program", err, false)
	}
	fn, ok := goja.AssertFunction(r.vm.Get("decodeUplink"))
	if !ok {
		return fmt.Errorf("js codec %s: %w: decodeUplink is not a function", r.d.name, ErrScript)
	}
	r.decodeFn = fn
	return nil
}

// decode calls decodeUplink({bytes, fPort, recvTime, variables}) and reads its
// {data, warnings?, errors?} (§2.3, §3.4).
func (r *run) decode(in codec.Input) (codec.Output, error) {
	input, err := r.input(in)
	if err != nil {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: input: %w", r.d.name, ErrScript, err)
	}
	res, err := r.decodeFn(goja.Undefined(), input)
	if err != nil {
		return codec.Output{}, r.failure("decodeUplink", err, true)
	}

	r.budget = r.d.opt.MaxOutput
	js, err := r.stringify(goja.Undefined(), res, r.vm.ToValue(r.replacer))
	if err == nil && r.timedOut.Load() {
		err = ErrTimeout // the timer fired inside a built-in, which Interrupt cannot stop
	}
	if err != nil {
		return codec.Output{}, r.failure("serialise result", err, false)
	}
	if goja.IsUndefined(js) {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: decodeUplink returned %s",
			r.d.name, ErrScript, res)
	}
	return parseResult(r.d, js.String())
}

// input builds the decodeUplink argument. bytes is a plain array of numbers, as The Things
// Stack passes it, not a Uint8Array.
func (r *run) input(in codec.Input) (*goja.Object, error) {
	items := make([]any, len(in.Bytes))
	for i, b := range in.Bytes {
		items[i] = int64(b)
	}
	recv, err := r.vm.New(r.date, r.vm.ToValue(in.ReceivedAt.UnixMilli()))
	if err != nil {
		return nil, err
	}
	vars := r.vm.NewObject()
	for k, v := range in.Variables {
		if err := vars.Set(k, v); err != nil {
			return nil, err
		}
	}

	o := r.vm.NewObject()
	for _, kv := range []struct {
		k string
		v any
	}{{"bytes", r.vm.NewArray(items...)}, {"fPort", int64(in.FPort)},
		{"recvTime", recv}, {"variables", vars}} {
		if err := o.Set(kv.k, kv.v); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// replacer is passed to JSON.stringify: it charges each member against the output budget
// and throws before a huge array (a sparse one of length 4e9, say) is walked by native code.
func (r *run) replacer(call goja.FunctionCall) goja.Value {
	v := call.Argument(1)
	r.budget -= len(call.Argument(0).String()) + 4
	if o, ok := v.(*goja.Object); ok {
		if n := o.Get("length"); n != nil && n.ToFloat() > float64(r.budget) {
			r.budget = -1
		}
	} else if !goja.IsUndefined(v) {
		r.budget -= len(v.String())
	}
	if r.budget < 0 || r.timedOut.Load() {
		panic(r.vm.NewGoError(errTooLarge))
	}
	return v
}

// consoleLog collects up to maxLogLines lines of maxLogLine bytes; it never does I/O itself.
func (r *run) consoleLog(call goja.FunctionCall) goja.Value {
	if len(r.logs) >= maxLogLines {
		r.dropped++
		return goja.Undefined()
	}
	parts := make([]string, 0, len(call.Arguments))
	size := 0
	for _, a := range call.Arguments {
		if size > maxLogLine {
			break
		}
		s := a.String()
		parts = append(parts, s)
		size += len(s) + 1
	}
	line := strings.Join(parts, " ")
	if len(line) > maxLogLine {
		line = line[:maxLogLine]
	}
	r.logs = append(r.logs, line)
	return goja.Undefined()
}

// flushLog hands the collected console lines to the logger.
func (r *run) flushLog() {
	l := r.d.opt.Logger
	if l == nil || len(r.logs) == 0 {
		return
	}
	for _, line := range r.logs {
		l.Debug("js console", "codec", r.d.name, "line", line)
	}
	if r.dropped > 0 {
		l.Debug("js console lines dropped", "codec", r.d.name, "count", r.dropped)
	}
}

// failure classifies an error of the runtime: a timeout, a broken bound or contract
// (ErrScript), or an exception. An exception thrown by decodeUplink (verdict) is taken as the
// script's verdict on the payload (codec.ErrInvalid), as TTN codecs throw on payloads they
// cannot read; one thrown elsewhere (top-level code, a cyclic result) is the script's fault.
func (r *run) failure(step string, err error, verdict bool) error {
	var interrupted *goja.InterruptedError
	var overflow *goja.StackOverflowError
	var exc *goja.Exception
	switch {
	case errors.As(err, &interrupted) || r.timedOut.Load():
		return fmt.Errorf("js codec %s: %s: %w", r.d.name, step, ErrTimeout)
	case errors.As(err, &overflow):
		return fmt.Errorf("js codec %s: %s: %w: call stack deeper than %d",
			r.d.name, step, ErrScript, MaxCallDepth)
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("js codec %s: %s: %w: result over %d bytes",
			r.d.name, step, ErrScript, r.d.opt.MaxOutput)
	case verdict && errors.As(err, &exc):
		return fmt.Errorf("js codec %s: %s threw: %w: %w", r.d.name, step, codec.ErrInvalid, err)
	}
	return fmt.Errorf("js codec %s: %s: %w: %w", r.d.name, step, ErrScript, err)
}

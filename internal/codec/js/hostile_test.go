package js

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
)

// TestHostileDecode runs scripts that misbehave inside decodeUplink: each decode must end in
// an error of the right kind, never a hang, a crash or data.
func TestHostileDecode(t *testing.T) {
	tests := []struct {
		name string
		body string // body of decodeUplink(input)
		in   codec.Input
		want error
		msg  string // substring of the error text
	}{
		{"infinite loop", `while (true) {}`, codec.Input{}, ErrTimeout, "timed out"},
		{"huge string", `var s = 'x'; while (s.length < 1e6) s += s; return {data: {s: s}};`,
			codec.Input{}, ErrScript, "result over"},
		{"huge sparse array", `var a = []; a.length = 4e9; return {data: {a: a}};`,
			codec.Input{}, ErrScript, "result over"},
		{"many keys", `var d = {}; for (var i = 0; i < 2e4; i++) d['k' + i] = i;
			return {data: d};`, codec.Input{}, ErrScript, "result over"},
		{"endless toJSON", `function g() { return {a: {toJSON: g}}; }
			return {data: {toJSON: g}};`, codec.Input{}, ErrScript, "result over"},
		{"endless toJSON past the deadline", `function g() { return {a: {toJSON: g}}; }
			return {data: {toJSON: g}};`, codec.Input{}, ErrTimeout, "serialise result"},
		{"cyclic data", `var d = {}; d.self = d; return {data: d};`, codec.Input{}, ErrScript,
			"serialise"},
		{"throws Error", `throw new Error('bad type byte');`, codec.Input{}, codec.ErrInvalid,
			"bad type byte"},
		{"throws string", `throw 'unknown port';`, codec.Input{}, codec.ErrInvalid,
			"unknown port"},
		{"returns errors", `return {data: {a: 1}, errors: ['unknown FPort', 'second']};`,
			codec.Input{}, codec.ErrInvalid, "unknown FPort; second"},
		{"no data", `return {warnings: ['w']};`, codec.Input{}, ErrScript, "no data"},
		{"data not an object", `return {data: [1, 2]};`, codec.Input{}, ErrScript, "not an object"},
		{"returns nothing", `return;`, codec.Input{}, ErrScript, "returned undefined"},
		{"returns a number", `return 5;`, codec.Input{}, ErrScript, "not {data"},
		{"require", `var fs = require('fs'); return {data: {}};`, codec.Input{},
			codec.ErrInvalid, "require is not defined"},
		{"recursion bomb", `function f(n) { return f(n + 1) + 1; } return f(0);`,
			codec.Input{}, ErrScript, "call stack"},
		{"recursion through a built-in", `function f() { return [1].map(f); } return f();`,
			codec.Input{}, ErrScript, "call stack"},
		{"payload too long", `return {data: {}};`,
			codec.Input{Bytes: make([]byte, MaxInput+1)}, codec.ErrInvalid, "exceeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Only the timeout case runs into the deadline; the others get one far off, so
			// that a slow (-race) run still meets the bound each case is about.
			timeout := 30 * time.Second
			if tc.want == ErrTimeout {
				timeout = 50 * time.Millisecond
			}
			d := compile(t, "function decodeUplink(input) {\n"+tc.body+"\n}",
				Options{Timeout: timeout})
			start := time.Now()
			out, err := d.Decode(tc.in)
			checkErr(t, err, tc.want, tc.msg)
			if out.Data != nil {
				t.Errorf("data %v with the error", out.Data)
			}
			// Generous: this only catches a decode that ignored its deadline.
			if el := time.Since(start); el > timeout+2*time.Second {
				t.Errorf("took %v", el)
			}
		})
	}
}

// TestHostileNew runs scripts that New must refuse.
func TestHostileNew(t *testing.T) {
	tests := []struct {
		name, src string
		want      error // nil: any error
		msg       string
	}{
		{"syntax error", "function decodeUplink(input) {\n  return {data: {}};\n  var = 1;\n}",
			nil, "inline.js: Line 3:7"},
		{"no decodeUplink", "function decode(bytes) { return {}; }", ErrScript,
			"decodeUplink is not a function"},
		{"decodeUplink not a function", "var decodeUplink = 3;", ErrScript, "not a function"},
		{"top-level loop", "for (;;) {}\nfunction decodeUplink() {}", ErrTimeout, "timed out"},
		{"top-level throw", "throw new Error('boom');", ErrScript, "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New("inline.js", []byte(tc.src), Options{Timeout: 50 * time.Millisecond})
			if d != nil {
				t.Errorf("got a decoder")
			}
			if tc.want == nil && err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil {
				checkErr(t, err, tc.want, tc.msg)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q lacks %q", err, tc.msg)
			}
		})
	}
}

// TestSandboxGlobals checks that no host facility exists in the runtime.
func TestSandboxGlobals(t *testing.T) {
	names := []string{"require", "process", "module", "exports", "fetch", "XMLHttpRequest",
		"setTimeout", "setInterval", "Buffer", "Deno", "Bun", "load", "print"}
	d := compile(t, `var names = `+jsList(names)+`;
	function decodeUplink() {
	  var d = {};
	  for (var i = 0; i < names.length; i++) d[names[i]] = typeof globalThis[names[i]];
	  return {data: d};
	}`, Options{})
	out, err := d.Decode(codec.Input{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if out.Data[n] != "undefined" {
			t.Errorf("typeof %s = %v, want undefined", n, out.Data[n])
		}
	}
}

func jsList(names []string) string {
	return "['" + strings.Join(names, "', '") + "']"
}

func checkErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q lacks %q", err, msg)
	}
}

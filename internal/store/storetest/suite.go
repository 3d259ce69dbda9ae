// Package storetest is the shared test suite that every store.Store and store.Archive
// implementation must pass, so that the SensorThings, NGSI-LD and stream views can rely on one
// behaviour whichever backend is configured.
package storetest

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/store"
)

// Backend is what a store implementation provides: the time series and the raw-uplink
// archive.
type Backend interface {
	store.Store
	store.Archive
}

// Opener opens a Backend kept in dir. The suite hands every test a fresh t.TempDir and, to
// test persistence, calls Opener again with the same dir after closing the first Backend.
// A backend that is not persistent may ignore dir.
type Opener func(t *testing.T, dir string) Backend

// Options tell the suite what the backend under test promises.
type Options struct {
	// Persistent says the data survives Close and a new open of the same dir.
	Persistent bool
}

// Run runs the suite against the backend that open returns.
func Run(t *testing.T, open Opener, opt Options) {
	h := &harness{open: open, opt: opt}
	tests := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"AppendFlushGet", testAppendFlushGet},
		{"GetMissing", testGetMissing},
		{"ResultKinds", testResultKinds},
		{"AppendLeavesInput", testAppendLeavesInput},
		{"AppendDuplicateID", testAppendDuplicateID},
		{"RangeOrder", testRangeOrder},
		{"RangeBounds", testRangeBounds},
		{"RangePaging", testRangePaging},
		{"RangeCursorBetween", testRangeCursorBetween},
		{"Scan", testScan},
		{"ScanPaging", testScanPaging},
		{"Count", testCount},
		{"Latest", testLatest},
		{"LastID", testLastID},
		{"ArchiveKeepRaw", testArchiveKeepRaw},
		{"ArchiveKeepMany", testArchiveKeepMany},
		{"ArchivePaging", testArchivePaging},
		{"ArchiveSince", testArchiveSince},
		{"ConcurrentAppend", testConcurrentAppend},
		{"Closed", testClosed},
		{"Persistence", testPersistence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

// harness opens backends for the tests and closes them when a test ends.
type harness struct {
	open Opener
	opt  Options
}

// fresh opens an empty backend in a new directory and returns it with the directory.
func (h *harness) fresh(t *testing.T) (Backend, string) {
	t.Helper()
	dir := t.TempDir()
	return h.reopen(t, dir), dir
}

// reopen opens the backend kept in dir; it is closed when the test ends, so Close must be
// safe to call twice.
func (h *harness) reopen(t *testing.T, dir string) Backend {
	t.Helper()
	b := h.open(t, dir)
	if b == nil {
		t.Fatal("open returned a nil Backend")
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

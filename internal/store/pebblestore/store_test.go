package pebblestore_test

import (
	"log/slog"
	"testing"

	"github.com/vindel-hub/vindel/internal/store/pebblestore"
	"github.com/vindel-hub/vindel/internal/store/storetest"
)

// testLogger logs to the test's output, at Info so Pebble's own messages stay out.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func TestSuite(t *testing.T) {
	cases := []struct {
		name string
		opt  pebblestore.Options
	}{
		{"defaults", pebblestore.Options{}},
		// Tiny batches and a short interval make commits split Appends and ties.
		{"small batches", pebblestore.Options{BatchSize: 3, FlushInterval: 1}},
		{"sync", pebblestore.Options{Sync: true, QueueLen: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, dir string) storetest.Backend {
				s, err := pebblestore.Open(dir, tc.opt, testLogger(t))
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return s
			}, storetest.Options{Persistent: true})
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/config"
	"github.com/vindel-hub/vindel/internal/hub"
)

// startHub runs a hub in-process on free ports, without the embedded broker.
func startHub(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.HTTP.Addr, cfg.Broker.Enabled, cfg.AdminKey = t.TempDir(), "127.0.0.1:0", false, "k"
	ctx, cancel := context.WithCancel(context.Background())
	h, err := hub.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	base := "http://" + h.Addr()
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			return base
		}
		if i > 200 {
			t.Fatalf("hub not ready: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func vindel(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errs bytes.Buffer
	err := run(context.Background(), args, &out, &errs)
	return out.String() + errs.String(), err
}

func TestDeviceCommands(t *testing.T) {
	base := startHub(t)
	steps := []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{[]string{"device", "add", "-hub", base, "-key", "k", "-deveui", "A1B2C3D4E5F60708",
			"-name", "Room 101", "-profile", "elsys/ers-co2", "-lat", "63.8", "-lon", "20.3", "-public"},
			"registered a1b2c3d4e5f60708", false},
		{[]string{"device", "add", "-hub", base, "-key", "k", "-deveui", "a1b2c3d4e5f60709",
			"-profile", "acme/unknown"}, "no firmware profile", true},
		{[]string{"device", "add", "-hub", base, "-key", "wrong", "-deveui", "a1b2c3d4e5f60709",
			"-profile", "elsys/ers-co2"}, "401", true},
		{[]string{"device", "list", "-hub", base, "-key", "k"}, "Room 101", false},
		{[]string{"device", "redecode", "a1b2c3d4e5f60708", "-hub", base, "-key", "k"},
			"decoded 0 raw uplinks of a1b2c3d4e5f60708 again", false},
		{[]string{"device", "redecode", "a1b2c3d4e5f60799", "-hub", base, "-key", "k"},
			"not found", true},
		{[]string{"device", "rm", "a1b2c3d4e5f60708", "-hub", base, "-key", "k"}, "removed", false},
		{[]string{"device", "-h"}, "vindel device add", false},
		{[]string{"device", "list", "-hub", base, "-key", "k"}, "DEVEUI", false},
		{[]string{"profiles"}, "milesight-iot/am103", false},
		{[]string{"nonsense"}, "unknown command", true},
	}
	for _, s := range steps {
		out, err := vindel(t, s.args...)
		if (err != nil) != s.wantErr {
			t.Fatalf("vindel %v: err %v, want error %v (output %q)", s.args, err, s.wantErr, out)
		}
		text := out
		if err != nil {
			text += err.Error()
		}
		if !strings.Contains(text, s.want) {
			t.Errorf("vindel %v: %q does not mention %q", s.args, text, s.want)
		}
	}
	if out, _ := vindel(t, "device", "list", "-hub", base, "-key", "k"); strings.Contains(out, "Room 101") {
		t.Errorf("removed device still listed: %s", out)
	}
	out, _ := vindel(t, "profiles")
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "milesight-iot/am103 ") {
			continue
		}
		// Its live and logged fields feed the same properties: each is listed once.
		if n := strings.Count(line, "air_temperature"); n != 1 {
			t.Errorf("am103 lists air_temperature %d times: %s", n, line)
		}
	}
}

// TestStreamBase checks the hub URLs watch takes: the device command's http ones too.
func TestStreamBase(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:8080": "ws://127.0.0.1:8080", "http://hub:8080": "ws://hub:8080",
		"https://data.example.se": "wss://data.example.se", "wss://x/": "wss://x/",
		"ftp://x": "", "127.0.0.1:8080": "",
	} {
		got, err := streamBase(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("streamBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestShortResult(t *testing.T) {
	for in, want := range map[string]string{
		"23.787670710307466": "23.7877", "415": "415", "-0.5": "-0.5", `"open"`: `"open"`,
		"true": "true", "1e21": "1e+21",
	} {
		if got := shortResult(json.RawMessage(in)); got != want {
			t.Errorf("shortResult(%s) = %s, want %s", in, got, want)
		}
	}
}

package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/gorilla/websocket"

	"github.com/vindel-hub/vindel/internal/config"
)

const adminKey = "test-admin-key"

// running is a whole hub started in-process for a test.
type running struct {
	h    *Hub
	base string // http://127.0.0.1:PORT
	stop func()
}

func startHub(t testing.TB, change func(*config.Config)) *running {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Broker.Addr = "127.0.0.1:0"
	cfg.AdminKey = adminKey
	cfg.Shutdown = 5 * time.Second
	if change != nil {
		change(&cfg)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	h, err := New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	r := &running{h: h, base: "http://" + h.Addr()}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("hub Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("hub did not shut down in 20 s")
		}
	}
	t.Cleanup(r.stop)
	r.waitReady(t)
	return r
}

func (r *running) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(r.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub not ready after 15 s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *running) register(t testing.TB, eui, profile string, public bool) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"devEui": eui, "name": "test " + eui, "profile": profile,
		"public": public, "location": map[string]any{"latitude": 63.82, "longitude": 20.26}})
	req, _ := http.NewRequest(http.MethodPost, r.base+"/api/v1/devices", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("register %s: %s %s", eui, resp.Status, b)
	}
}

func (r *running) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(r.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// wsClient subscribes to the live stream and collects observation frames.
func wsClient(t testing.TB, base, query string) <-chan map[string]any {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/v1/stream" + query
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	out := make(chan map[string]any, 1024)
	subscribed := make(chan struct{})
	go func() {
		defer close(out)
		for {
			var f map[string]any
			if err := conn.ReadJSON(&f); err != nil {
				return
			}
			switch f["type"] {
			case "subscribed":
				close(subscribed)
			case "observation":
				out <- f
			}
		}
	}()
	select {
	case <-subscribed:
	case <-time.After(5 * time.Second):
		t.Fatal("no subscribed frame from the stream")
	}
	return out
}

func publisher(t testing.TB, broker string) paho.Client {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker(broker).SetClientID("test-pub-" + t.Name())
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect publisher to %s: %v", broker, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func publish(t testing.TB, c paho.Client, topic string, body []byte) {
	t.Helper()
	tok := c.Publish(topic, 1, false, body)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

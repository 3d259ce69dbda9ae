package broker

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/vindel-hub/vindel/internal/testenv"
)

// startBroker starts a broker on a free port for t and shuts it down afterwards.
func startBroker(t *testing.T, log *slog.Logger) *Broker {
	t.Helper()
	b, err := Start(Config{MQTTAddr: "127.0.0.1:0", DataDir: t.TempDir()}, log)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(b.Shutdown)
	return b
}

func connect(t *testing.T, url, id string, clean bool, h mqtt.MessageHandler) mqtt.Client {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(clean).
		SetProtocolVersion(4).SetAutoReconnect(false).SetDefaultPublishHandler(h)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s to %s: %v", id, url, tok.Error())
	}
	return c
}

func TestPersistentSessionQoS1(t *testing.T) {
	tests := []struct {
		name    string
		restart bool // restart the broker on the same DataDir while messages are queued
	}{
		{"broker keeps running", false},
		{"broker restarted", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			// A message the broker handed to the closing first connection comes again only
			// after AckWait; keep that within the test's patience on a loaded machine.
			b, err := Start(Config{MQTTAddr: "127.0.0.1:0", DataDir: dir, AckWait: 2 * time.Second}, nil)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			url := b.MQTTURL()
			defer func() { b.Shutdown() }()

			sub := newCollector(20)
			c := connect(t, url, "vindel-sub", false, sub.record)
			tok := c.Subscribe("application/+/device/+/event/up", 1, nil)
			if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("subscribe: %v", tok.Error())
			}
			c.Disconnect(250)

			publish(t, url, sub.n)
			if tt.restart {
				b.Shutdown()
				b, err = Start(Config{MQTTAddr: strings.TrimPrefix(url, "tcp://"),
					DataDir: dir, AckWait: 2 * time.Second}, nil)
				if err != nil {
					t.Fatalf("restart: %v", err)
				}
			}

			// The session comes back without subscribing again and gets every message.
			c = connect(t, url, "vindel-sub", false, sub.record)
			defer c.Disconnect(250)
			sub.wait(t, 15*time.Second)
		})
	}
}

// publish sends n QoS 1 uplinks, each acknowledged by the broker.
func publish(t *testing.T, url string, n int) {
	t.Helper()
	const topic = "application/7/device/a1b2c3d4e5f60708/event/up"
	pub := connect(t, url, "vindel-pub", true, nil)
	defer pub.Disconnect(250)
	for i := range n {
		tok := pub.Publish(topic, 1, false, fmt.Sprintf(`{"fCnt":%d}`, i))
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d: %v", i, tok.Error())
		}
	}
}

// collector records the payloads {"fCnt":0} .. {"fCnt":n-1}.
type collector struct {
	n   int
	mu  sync.Mutex
	got map[string]bool
	all chan struct{}
}

func newCollector(n int) *collector {
	return &collector{n: n, got: map[string]bool{}, all: make(chan struct{})}
}

func (c *collector) record(_ mqtt.Client, m mqtt.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.got[string(m.Payload())] {
		return
	}
	c.got[string(m.Payload())] = true
	if len(c.got) == c.n {
		close(c.all)
	}
}

func (c *collector) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-c.all:
	case <-time.After(d):
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.n {
		if !c.got[fmt.Sprintf(`{"fCnt":%d}`, i)] {
			t.Errorf("message %d missing (got %d of %d)", i, len(c.got), c.n)
		}
	}
}

// TestStartLogsThroughSlog: nats-server's own lines reach slog at Debug, while at Info the
// log holds one line saying the broker is up, not nats-server's start-up banner.
func TestStartLogsThroughSlog(t *testing.T) {
	var info, debug testenv.Buffer
	b := startBroker(t, slog.New(slog.NewTextHandler(&info, &slog.HandlerOptions{Level: slog.LevelInfo})))
	startBroker(t, slog.New(slog.NewTextHandler(&debug, &slog.HandlerOptions{Level: slog.LevelDebug})))

	out := info.String()
	for _, want := range []string{"component=broker", "embedded MQTT broker started",
		strings.TrimPrefix(b.MQTTURL(), "tcp://")} {
		if !strings.Contains(out, want) {
			t.Errorf("Info log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Listening for MQTT clients") {
		t.Errorf("nats-server's banner logged at Info:\n%s", out)
	}
	if !strings.Contains(debug.String(), "Listening for MQTT clients") {
		t.Errorf("nats-server's lines do not reach the Debug log:\n%s", debug.String())
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no data dir", Config{MQTTAddr: "127.0.0.1:0"}, "DataDir"},
		{"bad address", Config{MQTTAddr: "localhost", DataDir: t.TempDir()}, "MQTTAddr"},
		{"bad port", Config{MQTTAddr: "127.0.0.1:x", DataDir: t.TempDir()}, "bad port"},
		{"address in use", Config{MQTTAddr: busy.Addr().String(), DataDir: t.TempDir()}, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			b, err := Start(tt.cfg, nil)
			if err == nil {
				b.Shutdown()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if d := time.Since(began); d > readyTimeout/2 {
				t.Errorf("failing took %v", d)
			}
		})
	}
}

func TestNATSListener(t *testing.T) {
	tests := []struct {
		name     string
		natsAddr string
		wantURL  bool
	}{
		{"disabled by default", "", false},
		{"enabled on request", "127.0.0.1:0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Start(Config{MQTTAddr: "127.0.0.1:0", DataDir: t.TempDir(),
				NATSAddr: tt.natsAddr}, nil)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			defer b.Shutdown()
			if got := b.NATSURL() != ""; got != tt.wantURL {
				t.Errorf("NATSURL() = %q", b.NATSURL())
			}
		})
	}
}

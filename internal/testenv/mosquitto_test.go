package testenv

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

func connect(t *testing.T, url, id string, clean bool, h mqtt.MessageHandler) mqtt.Client {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(clean).
		SetProtocolVersion(4).SetAutoReconnect(false).SetDefaultPublishHandler(h)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", id, tok.Error())
	}
	return c
}

func TestMosquittoRestartKeepsPort(t *testing.T) {
	b := StartMosquitto(t, 0)
	if !strings.HasSuffix(b.URL, ":"+strconv.Itoa(b.Port)) {
		t.Fatalf("URL %s does not name port %d", b.URL, b.Port)
	}
	connect(t, b.URL, "probe-1", true, nil).Disconnect(100)

	b.Stop()
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(b.Port), time.Second); err == nil {
		c.Close()
		t.Fatal("broker still accepts connections after Stop")
	}
	b.Restart()
	connect(t, b.URL, "probe-2", true, nil).Disconnect(100)
}

// Mosquitto's default max_queued_messages (1,000) would drop part of this backlog; the
// generated configuration must keep all of it.
func TestMosquittoQueuesPastDefaultLimit(t *testing.T) {
	url := Mosquitto(t)
	const n = 2500
	var got atomic.Int64
	count := func(mqtt.Client, mqtt.Message) { got.Add(1) }

	sub := connect(t, url, "queued-sub", false, count)
	if tok := sub.Subscribe("q/#", 1, nil); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	sub.Disconnect(100)

	pub := connect(t, url, "queued-pub", true, nil)
	defer pub.Disconnect(100)
	toks := make([]mqtt.Token, 0, n)
	for range n {
		toks = append(toks, pub.Publish("q/x", 1, false, "m"))
	}
	for _, tok := range toks {
		if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}

	sub = connect(t, url, "queued-sub", false, count)
	defer sub.Disconnect(100)
	deadline := time.Now().Add(20 * time.Second)
	for got.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got.Load() != n {
		t.Errorf("got %d of %d queued messages", got.Load(), n)
	}
}

func TestFreePort(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d from FreePort is not free: %v", p, err)
	}
	l.Close()
}

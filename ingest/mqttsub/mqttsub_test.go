package mqttsub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/broker"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/testenv"
)

func TestReceivesNetworkServerTopics(t *testing.T) {
	url := testenv.Mosquitto(t)
	sink := newChanSink()
	src := startSource(t, Config{Name: "lns", Broker: url, ClientID: "vindel-recv"}, sink, nil)
	src.waitReady(t, true)
	pub := publisher(t, url)

	tests := []struct {
		name  string
		topic string
		file  string
	}{
		{"chirpstack v3 json", "application/12/device/a1b2c3d4e5f60708/event/up",
			"../../testdata/chirpstack-samples/v3-json-up.json"},
		{"chirpstack v3 json_v3", "application/12/device/a1b2c3d4e5f60708/event/up",
			"../../testdata/chirpstack-samples/v3-json_v3-up.json"},
		{"chirpstack v4", "application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/" +
			"a1b2c3d4e5f60709/event/up", "../../testdata/chirpstack-samples/v4-json-up.json"},
		{"the things stack", "v3/city-env@ttn/devices/park-sensor-0042/up",
			"../../testdata/tts-samples/tts-v3-up.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := readFile(t, tt.file)
			before := time.Now().UTC()
			publish(t, pub, tt.topic, body)

			m := sink.next(t)
			if m.Source != "lns" || m.Topic != tt.topic || m.Dialect != ingest.DialectUnknown {
				t.Errorf("got Source %q Topic %q Dialect %q", m.Source, m.Topic, m.Dialect)
			}
			if !bytes.Equal(m.Body, body) {
				t.Errorf("body differs: got %d bytes, sent %d", len(m.Body), len(body))
			}
			if m.ArrivedAt.Before(before) || m.ArrivedAt.Location() != time.UTC {
				t.Errorf("ArrivedAt %v, published at %v", m.ArrivedAt, before)
			}
		})
	}

	// A topic outside the filters (a ChirpStack join event) must not reach the sink.
	publish(t, pub, "application/12/device/a1b2c3d4e5f60708/event/join", []byte("{}"))
	publish(t, pub, "v3/city-env@ttn/devices/park-sensor-0042/up", []byte(`{"last":1}`))
	if m := sink.next(t); string(m.Body) != `{"last":1}` {
		t.Errorf("unexpected message on %s: %s", m.Topic, m.Body)
	}
}

func TestFixedDialectAndSharedGroup(t *testing.T) {
	url := testenv.Mosquitto(t)
	cfg := Config{Name: "tts", Broker: url, Topics: []string{"v3/+/devices/+/up"},
		Dialect: ingest.DialectTTS, SharedGroup: "vindel"}
	sinks := []*chanSink{newChanSink(), newChanSink()}
	for i, sink := range sinks {
		c := cfg
		c.ClientID = fmt.Sprintf("replica-%d", i)
		startSource(t, c, sink, nil).waitReady(t, true)
	}

	// A shared subscription hands each message to exactly one member of the group.
	const n = 40
	pub := publisher(t, url)
	for i := range n {
		publish(t, pub, "v3/app/devices/d/up", fmt.Appendf(nil, `{"n":%d}`, i))
	}
	got := map[string]int{}
	perReplica := make([]int, len(sinks))
	deadline := time.After(waitFor)
	for total := 0; total < n; total++ {
		var m ingest.Message
		select {
		case m = <-sinks[0].ch:
			perReplica[0]++
		case m = <-sinks[1].ch:
			perReplica[1]++
		case <-deadline:
			t.Fatalf("got %d of %d messages", total, n)
		}
		if m.Dialect != ingest.DialectTTS {
			t.Errorf("Dialect = %q, configured %q", m.Dialect, ingest.DialectTTS)
		}
		got[string(m.Body)]++
	}
	for i := range n {
		if c := got[fmt.Sprintf(`{"n":%d}`, i)]; c != 1 {
			t.Errorf("message %d delivered %d times", i, c)
		}
	}
	if perReplica[0] == 0 || perReplica[1] == 0 {
		t.Errorf("load not shared: %v", perReplica)
	}
}

func TestQueuedWhileAwayArrives(t *testing.T) {
	url := testenv.Mosquitto(t)
	cfg := Config{Name: "lns", Broker: url, ClientID: "vindel-persistent"}
	first := startSource(t, cfg, newChanSink(), nil)
	first.waitReady(t, true)
	first.stop()

	pub := publisher(t, url)
	for i := range 5 {
		publish(t, pub, "application/1/device/0011223344556677/event/up",
			fmt.Appendf(nil, `{"fCnt":%d}`, i))
	}

	sink := newChanSink()
	startSource(t, cfg, sink, nil)
	got := sink.bodies(t, 5)
	for i := range 5 {
		if got[fmt.Sprintf(`{"fCnt":%d}`, i)] == 0 {
			t.Errorf("message %d published while away did not arrive", i)
		}
	}
}

func TestReconnectsAfterBrokerRestart(t *testing.T) {
	mb := testenv.StartMosquitto(t, 0)
	m := metrics.New()
	sink := newChanSink()
	src := startSource(t, Config{Name: "lns", Broker: mb.URL, ClientID: "vindel-restart",
		MaxBackoff: time.Second}, sink, m)
	src.waitReady(t, true)
	up := m.SourceUp.WithLabelValues("lns")
	if v := gauge(t, up); v != 1 {
		t.Errorf("source_up = %v while connected", v)
	}

	mb.Stop()
	src.waitReady(t, false)
	if v := gauge(t, up); v != 0 {
		t.Errorf("source_up = %v with the broker down", v)
	}

	// Mosquitto runs without persistence: the session and its subscription are gone, so the
	// message only arrives if the source subscribed again.
	mb.Start()
	src.waitReady(t, true)
	publish(t, publisher(t, mb.URL), "v3/a/devices/b/up", []byte(`{"after":"restart"}`))
	if got := sink.next(t); string(got.Body) != `{"after":"restart"}` {
		t.Errorf("got %s", got.Body)
	}
}

func TestBusySinkLosesNothing(t *testing.T) {
	url := testenv.Mosquitto(t)
	sink := newChanSink()
	// Refuse every third offer: the source must offer each refused message again.
	sink.refuse = func(call int, _ ingest.Message) error {
		if call%3 != 0 {
			return ingest.ErrBusy
		}
		return nil
	}
	src := startSource(t, Config{Name: "lns", Broker: url, ClientID: "vindel-busy",
		HandleTimeout: 50 * time.Millisecond}, sink, nil)
	src.waitReady(t, true)

	const n = 30
	pub := publisher(t, url)
	for i := range n {
		publish(t, pub, "application/1/device/0011223344556677/event/up",
			fmt.Appendf(nil, `{"fCnt":%d}`, i))
	}
	got := sink.bodies(t, n)
	for i := range n {
		if c := got[fmt.Sprintf(`{"fCnt":%d}`, i)]; c != 1 {
			t.Errorf("message %d accepted %d times", i, c)
		}
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.calls < 3*n {
		t.Errorf("sink was offered %d times; each message needs 3 offers", sink.calls)
	}
}

func TestAckOnlyAfterSinkAccepts(t *testing.T) {
	url := testenv.Mosquitto(t)
	cfg := Config{Name: "lns", Broker: url, ClientID: "vindel-ack",
		HandleTimeout: 20 * time.Millisecond}

	// A sink that never accepts: the message must stay unacknowledged at the broker.
	offered := make(chan struct{}, 100)
	refusing := newChanSink()
	refusing.refuse = func(int, ingest.Message) error {
		offered <- struct{}{}
		return errors.New("store down")
	}
	first := startSource(t, cfg, refusing, nil)
	first.waitReady(t, true)
	publish(t, publisher(t, url), "v3/a/devices/b/up", []byte(`{"held":true}`))
	select {
	case <-offered:
	case <-time.After(waitFor):
		t.Fatal("message never offered to the sink")
	}
	first.stop()

	// The same session, now with a working sink, gets it again from the broker.
	sink := newChanSink()
	startSource(t, cfg, sink, nil)
	if got := sink.next(t); string(got.Body) != `{"held":true}` {
		t.Errorf("got %s", got.Body)
	}
}

// TestAckOnlyWhenKept: a message the sink took but never reported kept (the hub stopped
// before archiving it) is not acknowledged, so the broker delivers it again.
func TestAckOnlyWhenKept(t *testing.T) {
	url := testenv.Mosquitto(t)
	cfg := Config{Name: "lns", Broker: url, ClientID: "vindel-kept"}
	taken := newChanSink()
	taken.noAck = true
	first := startSource(t, cfg, taken, nil)
	first.waitReady(t, true)
	publish(t, publisher(t, url), "v3/a/devices/b/up", []byte(`{"unkept":true}`))
	if got := taken.next(t); got.Ack == nil {
		t.Fatal("a QoS 1 message came without an Ack")
	}
	first.stop()

	sink := newChanSink()
	startSource(t, cfg, sink, nil)
	if got := sink.next(t); string(got.Body) != `{"unkept":true}` {
		t.Errorf("got %s", got.Body)
	}
}

func TestEmbeddedBrokerEndToEnd(t *testing.T) {
	// nats-server resends a message that was in flight to the old connection after AckWait,
	// not on reconnect; a short AckWait keeps that case within the test's patience.
	b, err := broker.Start(broker.Config{MQTTAddr: "127.0.0.1:0", DataDir: t.TempDir(),
		AckWait: 2 * time.Second}, nil)
	if err != nil {
		t.Fatalf("broker.Start: %v", err)
	}
	t.Cleanup(b.Shutdown)

	cfg := Config{Name: "embedded", Broker: b.MQTTURL(), ClientID: "vindel-embedded"}
	live := newChanSink()
	first := startSource(t, cfg, live, nil)
	first.waitReady(t, true)
	pub := publisher(t, b.MQTTURL())
	body := readFile(t, "../../testdata/chirpstack-samples/v4-json-up.json")
	publish(t, pub, "application/app/device/a1b2c3d4e5f60709/event/up", body)
	if got := live.next(t); !bytes.Equal(got.Body, body) {
		t.Errorf("body differs: got %d bytes, sent %d", len(got.Body), len(body))
	}

	// Published while the source is away, delivered from the persistent session.
	first.stop()
	publish(t, pub, "v3/a/devices/b/up", []byte(`{"queued":true}`))
	sink := newChanSink()
	startSource(t, cfg, sink, nil)
	if got := sink.next(t); got.Topic != "v3/a/devices/b/up" || got.Source != "embedded" {
		t.Errorf("got %q from %q", got.Topic, got.Source)
	}
}

// gauge reads the current value of g.
func gauge(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

func TestBrokerDownWarnsOnce(t *testing.T) {
	var buf testenv.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	url := "tcp://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // nothing listens there
	src, err := New(Config{Name: "down", Broker: url, MaxBackoff: minBackoff}, newChanSink(),
		nil, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := src.Run(ctx); err != nil {
		t.Errorf("Run = %v after ctx ended, want nil", err)
	}
	if src.Ready() {
		t.Error("Ready() with no broker")
	}

	// Several attempts fail (one every ≤ 250 ms), but only the first is a Warn line.
	out := buf.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d Warn lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, `level=DEBUG msg="mqtt connection failed`); n < 3 {
		t.Errorf("%d failed attempts logged at Debug, want at least 3:\n%s", n, out)
	}
	for _, want := range []string{"mqtt source starting", "mqtt source stopped", "source=down"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

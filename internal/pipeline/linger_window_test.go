package pipeline

// Breaker tests of the group-commit linger in publish (sequence.go) behind a real broker's
// in-flight window. flushLog wraps a real Pebble store only to see when the publisher calls
// Flush: no real store reports that.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/mqttsub"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// flushRec is one Flush the publisher made.
type flushRec struct {
	called, returned time.Time
	obsAtCall        float64   // Observations published before the call
	waitingAtReturn  int       // batches in p.durable when it returned
	lastAckAtCall    time.Time // the latest acknowledgement before the call, when known
}

// flushLog is a real store that records every Flush.
type flushLog struct {
	backend
	e       atomic.Pointer[env]
	lastAck atomic.Pointer[func() time.Time] // when set, when the last Ack was released
	mu      sync.Mutex
	recs    []flushRec
}

func (f *flushLog) Flush(ctx context.Context) error {
	e := f.e.Load()
	var r flushRec
	if e != nil {
		r.obsAtCall = testutil.ToFloat64(e.m.Observations)
	}
	if last := f.lastAck.Load(); last != nil {
		r.lastAckAtCall = (*last)()
	}
	r.called = time.Now()
	err := f.backend.Flush(ctx)
	r.returned = time.Now()
	if e != nil {
		r.waitingAtReturn = len(e.p.durable)
	}
	f.mu.Lock()
	f.recs = append(f.recs, r)
	f.mu.Unlock()
	return err
}

func (f *flushLog) flushes() []flushRec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]flushRec(nil), f.recs...)
}

// lingerStats reads the publisher's decisions back from its Flushes. A Flush k is "eligible"
// when publish's own rule makes the next group gather until syncEvery: its group held at
// least gatherAbove uplinks (each uplink here has obsPerUplink Observations, all published
// between Flush k and k+1) and batches were waiting when it returned. It "waited" when the
// next Flush then came syncEvery after it began and at least minIdle after the publisher was
// done with Flush k (it returned and, when known, the group's last acknowledgement was
// released), although a batch was ready all that time.
type lingerStats struct {
	flushes, eligible, waited int
	idle                      time.Duration // summed over the waits
}

// minIdle is the least idle time counted as a wait: half of syncEvery, and no less than a
// millisecond, far more than releasing a group's acknowledgements takes.
var minIdle = max(syncEvery/2, time.Millisecond)

func readLinger(recs []flushRec, obsPerUplink float64) lingerStats {
	s := lingerStats{flushes: len(recs)}
	for k := 0; k+1 < len(recs); k++ {
		group := (recs[k+1].obsAtCall - recs[k].obsAtCall) / obsPerUplink
		if group < gatherAbove || recs[k].waitingAtReturn == 0 {
			continue
		}
		s.eligible++
		done := recs[k].returned
		if recs[k+1].lastAckAtCall.After(done) {
			done = recs[k+1].lastAckAtCall
		}
		idle := recs[k+1].called.Sub(done)
		if recs[k+1].called.Sub(recs[k].called) >= syncEvery && idle >= minIdle {
			s.waited++
			s.idle += idle
		}
	}
	return s
}

// natsWindow starts nats-server's MQTT listener, the hub's embedded broker (ingest/broker),
// sending at most maxAck QoS 1 messages unacknowledged per subscription (0: its default,
// 1024). ingest/broker does not expose the limit, so the server is built here.
func natsWindow(t *testing.T, maxAck uint16) string {
	t.Helper()
	opts := &server.Options{ServerName: "linger", JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, DontListen: true, Host: "127.0.0.1", Port: server.RANDOM_PORT,
		MQTT: server.MQTTOpts{Host: "127.0.0.1", Port: testenv.FreePort(t),
			MaxAckPending: maxAck}}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(15 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	return fmt.Sprintf("tcp://127.0.0.1:%d", opts.MQTT.Port)
}

// v4Uplink is a ChirpStack v4 uplink of a Milesight AM103 (4 readings) with FCnt fcnt.
func v4Uplink(t testing.TB, eui string, fcnt int) []byte {
	t.Helper()
	m := map[string]any{
		"deduplicationId": fmt.Sprintf("%s-%d", eui, fcnt),
		"time":            "2024-03-14T08:20:11.482913204+00:00",
		"deviceInfo": map[string]any{"tenantName": "t", "applicationName": "a",
			"deviceName": eui, "devEui": eui},
		"fCnt": fcnt, "fPort": 85, "data": "AXVcA2c0AQRoZQd95wQ=",
		"rxInfo": []any{map[string]any{"gatewayId": "0011223344556677", "rssi": -88,
			"snr": 9.25}},
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// am103Readings is how many Observations one AM103 uplink of v4Uplink gives.
const am103Readings = 4

// inFlight is the pipeline as the MQTT sources' sink, counting the uplinks they handed
// over and have not been acknowledged yet: what the broker has in flight to the hub.
type inFlight struct {
	*Pipeline
	now, most atomic.Int64
	lastAck   atomic.Int64 // Unix nanoseconds of the latest acknowledgement released
}

func (s *inFlight) lastAcked() time.Time { return time.Unix(0, s.lastAck.Load()) }

func (s *inFlight) track(m ingest.Message) ingest.Message {
	most := s.now.Add(1)
	for old := s.most.Load(); most > old && !s.most.CompareAndSwap(old, most); {
		old = s.most.Load()
	}
	ack := m.Ack
	m.Ack = func() { s.now.Add(-1); ack(); s.lastAck.Store(time.Now().UnixNano()) }
	return m
}

func (s *inFlight) Offer(m ingest.Message) (bool, error) {
	took, err := s.Pipeline.Offer(s.track(m))
	if !took {
		s.now.Add(-1)
	}
	return took, err
}

func (s *inFlight) Handle(ctx context.Context, m ingest.Message) error {
	err := s.Pipeline.Handle(ctx, s.track(m))
	if err != nil {
		s.now.Add(-1)
	}
	return err
}

// brokerRun is what runBehindBroker saw.
type brokerRun struct {
	flushes     []flushRec
	took        time.Duration
	maxInFlight int64 // uplinks handed to the hub and not yet acknowledged, at most
}

// runBehindBroker subscribes sources MQTT sources (application i for source i) of a pipeline
// on Pebble to the broker at url, publishes n uplinks across them at
// QoS 1 and waits until all are published on the stream.
func runBehindBroker(t *testing.T, url string, sources, n int) brokerRun {
	t.Helper()
	fl := &flushLog{backend: openPebble(t)}
	e := envOn(t, fl)
	defer e.stop()
	fl.e.Store(e)
	sink := &inFlight{Pipeline: e.p}
	last := sink.lastAcked
	fl.lastAck.Store(&last)
	devs := make([]string, sources)
	for i := range devs {
		devs[i] = fmt.Sprintf("a1b2c3d4000000%02x", i)
		e.register(t, devs[i], "milesight-iot/am103")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for i := range sources {
		src, err := mqttsub.New(mqttsub.Config{Name: fmt.Sprintf("src%d", i), Broker: url,
			ClientID: fmt.Sprintf("hub-%s-%d", t.Name(), i), CleanSession: true,
			Topics: []string{fmt.Sprintf("application/%d/device/+/event/up", i)}}, sink, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = src.Run(ctx) })
		waitFor(t, "source subscribed", src.Ready)
	}
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(url).
		SetClientID("pub-" + t.Name()).SetCleanSession(true))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)

	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = v4Uplink(t, devs[i%sources], i/sources)
	}
	start := time.Now()
	toks := make([]paho.Token, n)
	for i, b := range bodies {
		toks[i] = pub.Publish(fmt.Sprintf("application/%d/device/%s/event/up", i%sources,
			devs[i%sources]), 1, false, b)
	}
	for _, tok := range toks {
		if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	waitFor(t, "every uplink published on the stream", func() bool {
		return testutil.ToFloat64(e.m.Observations) >= float64(n*am103Readings)
	})
	return brokerRun{flushes: fl.flushes(), took: time.Since(start),
		maxInFlight: sink.most.Load()}
}

// TestLingerBehindBrokerWindow: a broker that holds uplinks back until it sees
// acknowledgements must not make the hub wait for more. Brokers are configured with such
// windows: nats-server (the embedded broker, which keeps its window, MaxAckPending, exactly)
// at its default of 1024, at 100 (the README advises raising Mosquitto's to 1000), and four
// sources at 20. Behind 80 or 100 a group that gathered until syncEvery would sit with a
// batch ready while the broker waits for that batch's acknowledgements; gatherGap ends the
// wait instead. The assertion is on the publisher's decisions, read back from its Flush and
// acknowledgement times, not on a rate: of the Flushes after which publish's rule says
// "gather", fewer than half may be followed by an idle publisher (a descheduled test process
// explains a few, not half). Under -race the waits would hide: a Flush and releasing its
// group's acknowledgements take longer than syncEvery there.
func TestLingerBehindBrokerWindow(t *testing.T) {
	for _, tc := range []struct {
		name            string
		window, sources int
	}{
		{"embedded default window 1024", 0, 1},
		{"window 100", 100, 1},
		{"four sources at 20", 20, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 6000
			run := runBehindBroker(t, natsWindow(t, uint16(tc.window)), tc.sources, n)
			s := readLinger(run.flushes, am103Readings)
			t.Logf("%d uplinks in %v (%.0f/s), at most %d in flight to the hub: %d Flushes, "+
				"%d with the next group told to linger, %d waited idle with a batch ready "+
				"(%v in all)", n, run.took.Round(time.Millisecond),
				float64(n)/run.took.Seconds(), run.maxInFlight, s.flushes, s.eligible, s.waited,
				s.idle.Round(time.Millisecond))
			if limit := max(tc.window, 1024) * tc.sources; run.maxInFlight > int64(limit) {
				t.Fatalf("%d uplinks in flight behind windows of %d", run.maxInFlight, limit)
			}
			if s.waited > 0 && 2*s.waited >= s.eligible {
				t.Errorf("behind a broker that held at most %d uplinks in flight to the hub, "+
					"the publisher waited idle with a batch ready after %d of %d Flushes (%v "+
					"in all); behind a broker's window it must not wait",
					run.maxInFlight, s.waited, s.flushes, s.idle.Round(time.Millisecond))
			}
		})
	}
}

package hub

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vindel-hub/vindel/internal/config"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// BenchmarkEndToEnd publishes ChirpStack v4 uplinks (Milesight AM103, 4 values each) at QoS 1
// to a real Mosquitto as fast as the publisher can, and measures the rate at which they come
// out: for "bare-subscriber" the rate at which a plain paho subscriber receives them (the
// reference), for "hub" the rate at which the hub has decoded and durably stored them. Both
// report msgs/s, the figure to quote being hub / bare-subscriber, and the CPU time this
// process (publisher included) used per message. Every message must arrive: the hub run
// fails if one is lost.
func BenchmarkEndToEnd(b *testing.B) {
	b.Run("bare-subscriber", func(b *testing.B) {
		broker := testenv.Mosquitto(b)
		var got atomic.Int64
		sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("bench-sub").
			SetCleanSession(true).SetOrderMatters(false))
		if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			b.Fatal(tok.Error())
		}
		defer sub.Disconnect(100)
		tok := sub.Subscribe("application/+/device/+/event/up", 1, func(paho.Client, paho.Message) {
			got.Add(1)
		})
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			b.Fatal(tok.Error())
		}
		bodies := benchBodies(b, b.N)
		pub := publisher(b, broker)
		b.ResetTimer()
		start, cpu := time.Now(), cpuTime(b)
		publishAll(b, pub, bodies)
		waitUntil(b, func() bool { return got.Load() >= int64(b.N) })
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/msg")
	})
	b.Run("hub", func(b *testing.B) {
		broker := testenv.Mosquitto(b)
		r := startHub(b, func(c *config.Config) {
			c.Broker.Enabled = false
			c.MQTT = []config.MQTTSource{{Name: "bench", Broker: broker}}
		})
		for i := range benchDevices {
			r.register(b, benchEUI(i), "milesight-iot/am103", true)
		}
		bodies := benchBodies(b, b.N)
		pub := publisher(b, broker)
		decoded := r.h.metrics.Uplinks.WithLabelValues("bench", "decoded")
		b.ResetTimer()
		start, cpu := time.Now(), cpuTime(b)
		publishAll(b, pub, bodies)
		waitUntil(b, func() bool {
			return testutil.ToFloat64(decoded) >= float64(b.N) &&
				testutil.ToFloat64(r.h.metrics.Observations) >= float64(4*b.N)
		})
		elapsed, used := time.Since(start), cpuTime(b)-cpu
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/msg")
		if n := testutil.ToFloat64(decoded); n != float64(b.N) {
			b.Fatalf("decoded %v uplinks of %d", n, b.N)
		}
	})
}

const benchDevices = 100

// cpuTime returns the CPU time this process has used, user and system: the publisher and
// the subscriber or hub, not Mosquitto. On a box the run saturates, the hub's extra CPU per
// message is what lowers its rate.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchEUI(i int) string { return fmt.Sprintf("a1b2c3d400%06x", i) }

type benchMsg struct {
	topic string
	body  []byte
}

func benchBodies(b *testing.B, n int) []benchMsg {
	b.Helper()
	msgs := make([]benchMsg, n)
	for i := range msgs {
		eui := benchEUI(i % benchDevices)
		body, err := json.Marshal(map[string]any{
			"time":       "2024-03-14T08:20:11.482913204+00:00",
			"deviceInfo": map[string]any{"deviceName": eui, "devEui": eui},
			"fCnt":       i/benchDevices + 1, "fPort": 85, "data": "AXVcA2c0AQRoZQd95wQ=",
		})
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = benchMsg{"application/e4b1c7d0-2a9f-4c63-b8e5-0f7d3a6c9b12/device/" + eui + "/event/up", body}
	}
	return msgs
}

// publishAll publishes at QoS 1 with many messages in flight, then waits for every PUBACK.
func publishAll(b *testing.B, c paho.Client, msgs []benchMsg) {
	b.Helper()
	toks := make([]paho.Token, 0, len(msgs))
	for _, m := range msgs {
		toks = append(toks, c.Publish(m.topic, 1, false, m.body))
	}
	for _, tok := range toks {
		if !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
			b.Fatalf("publish: %v", tok.Error())
		}
	}
}

// waitUntil polls cond every millisecond: often enough that the wait adds at most that to a
// run of seconds, seldom enough that the polling (a metrics read in the hub run) costs the
// process next to nothing.
func waitUntil(b *testing.B, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

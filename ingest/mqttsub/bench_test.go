package mqttsub

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// The two benchmarks push the same load (b.N ChirpStack v4 uplinks at QoS 1, published as
// fast as the broker takes them) through Mosquitto; the first receives it with a bare paho
// subscriber, the reference figure, the second through Source into a counting sink. Their
// msgs/s ratio is the cost of the source itself.

const benchTopic = "application/bench/device/a1b2c3d4e5f60709/event/up"

func BenchmarkMosquittoBareSubscriber(b *testing.B) {
	url := testenv.Mosquitto(b)
	var n atomic.Int64
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID("bench-bare").
		SetCleanSession(true).SetProtocolVersion(4).
		SetDefaultPublishHandler(func(mqtt.Client, mqtt.Message) { n.Add(1) })
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(waitFor) || tok.Error() != nil {
		b.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Subscribe("application/+/device/+/event/up", 1, nil); !tok.WaitTimeout(waitFor) ||
		tok.Error() != nil {
		b.Fatalf("subscribe: %v", tok.Error())
	}
	runLoad(b, url, &n)
}

func BenchmarkMQTTSubSource(b *testing.B) {
	url := testenv.Mosquitto(b)
	var n atomic.Int64
	sink := ingest.SinkFunc(func(_ context.Context, m ingest.Message) error {
		n.Add(1)
		if m.Ack != nil {
			m.Ack() // at once, as a bare subscriber does, to compare the source alone
		}
		return nil
	})
	src := startSource(b, Config{Name: "bench", Broker: url, ClientID: "bench-source",
		CleanSession: true}, sink, nil)
	src.waitReady(b, true)
	runLoad(b, url, &n)
}

// runLoad publishes b.N uplinks at QoS 1 and waits until the subscriber counted them all,
// reporting the end-to-end rate.
func runLoad(b *testing.B, url string, received *atomic.Int64) {
	b.Helper()
	body, err := os.ReadFile("../../testdata/chirpstack-samples/v4-json-up.json")
	if err != nil {
		b.Fatal(err)
	}
	pub := publisher(b, url)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()

	began := time.Now()
	toks := make([]mqtt.Token, 0, b.N)
	for range b.N {
		toks = append(toks, pub.Publish(benchTopic, 1, false, body))
	}
	for _, tok := range toks {
		if !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
			b.Fatalf("publish: %v", tok.Error())
		}
	}
	deadline := time.Now().Add(time.Minute)
	for received.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d", received.Load(), b.N)
		}
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(began)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

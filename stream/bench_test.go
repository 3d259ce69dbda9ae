package stream

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// BenchmarkPublishToFrame measures the latency from Publish to a real WebSocket client
// reading the frame, publishing one Observation per millisecond (1k msg/s), to one client
// and fanned out to 100. It reports the p50 and p99 over every delivery (target p99 ≤ 5 ms).
func BenchmarkPublishToFrame(b *testing.B) {
	for _, clients := range []int{1, 100} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			benchLatency(b, clients)
		})
	}
}

func benchLatency(b *testing.B, clients int) {
	r := newRig(b, Options{}, nil)
	sent := make([]atomic.Int64, b.N+1) // offset → when it was published, in ns
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := r.dial(b, "")
		c.expect(typeSubscribed)
		wg.Go(func() { lat[i] = readLatencies(b, c, sent) })
	}

	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for id := 1; id <= b.N; id++ {
		<-tick.C
		sent[id].Store(time.Now().UnixNano())
		r.hub.Publish([]model.Observation{obsAt(uint64(id), 11)})
	}
	wg.Wait()
	b.StopTimer()

	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) != b.N*clients {
		b.Fatalf("%d deliveries, want %d", len(all), b.N*clients)
	}
	b.ReportMetric(ms(all[len(all)/2]), "p50-ms")
	b.ReportMetric(ms(all[len(all)*99/100]), "p99-ms")
	b.ReportMetric(ms(all[len(all)-1]), "max-ms")
}

// readLatencies reads observation frames up to offset len(sent)-1 and returns how long
// after its publication each arrived.
func readLatencies(b *testing.B, c *wsClient, sent []atomic.Int64) []time.Duration {
	out := make([]time.Duration, 0, len(sent)-1)
	last := uint64(len(sent) - 1)
	_ = c.conn.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			b.Errorf("read: %v", err)
			return out
		}
		now := time.Now().UnixNano()
		off, err := offsetOf(data)
		if err != nil {
			b.Errorf("frame %s: %v", data, err)
			return out
		}
		out = append(out, time.Duration(now-sent[off].Load()))
		if off == last {
			return out
		}
	}
}

// offsetOf reads the offset of an observation frame without decoding all of it, so the
// benchmark's own clients cost little beside the hub.
func offsetOf(frame []byte) (uint64, error) {
	const key = `"offset":`
	_, rest, ok := bytes.Cut(frame, []byte(key))
	if !ok {
		return 0, errors.New("no offset")
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0, errors.New("offset not followed by a comma")
	}
	return strconv.ParseUint(string(rest[:end]), 10, 64)
}

// ms converts d to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

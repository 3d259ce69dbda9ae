package hub

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/replay"
)

// TestMakeRunSamples runs what `make run` runs: the sample devices of deploy/samples are
// registered, their recorded uplinks replayed through the embedded broker with timestamps
// shifted to now, and every sample device must then show Observations on the stream.
func TestMakeRunSamples(t *testing.T) {
	r := startHub(t, nil)
	devs := sampleDevices(t)
	for _, d := range devs {
		r.register(t, d[0], d[1], true)
	}
	frames := wsClient(t, r.base, "")

	recs, err := replay.Load(filepath.Join("..", "..", "deploy", "samples", "uplinks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	opt := replay.Options{Broker: r.h.BrokerURL(), Rate: 200, Shift: true, QoS: 1, ClientID: "samples"}
	sent, err := replay.Run(context.Background(), recs, opt, slog.New(slog.DiscardHandler))
	if err != nil || sent != len(recs) {
		t.Fatalf("replay sent %d of %d: %v", sent, len(recs), err)
	}

	seen := map[string]bool{}
	deadline := time.After(20 * time.Second)
	for len(seen) < len(devs) {
		select {
		case f := <-frames:
			seen[f["devEui"].(string)] = true
			if pt, _ := time.Parse(time.RFC3339Nano, f["phenomenonTime"].(string)); time.Since(pt) > time.Minute {
				t.Errorf("phenomenonTime %v of a replayed uplink was not shifted to now", pt)
			}
		case <-deadline:
			t.Fatalf("observations from %d of %d sample devices: %v", len(seen), len(devs), seen)
		}
	}
}

// sampleDevices reads deploy/samples/devices.tsv: DevEUI and profile of each sample device.
func sampleDevices(t *testing.T) [][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "deploy", "samples", "devices.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		out = append(out, [2]string{cols[0], cols[2]})
	}
	if len(out) == 0 {
		t.Fatal("no sample devices")
	}
	return out
}

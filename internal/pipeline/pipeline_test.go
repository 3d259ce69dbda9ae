package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vindel-hub/vindel/devices"
	firmwareprofiles "github.com/vindel-hub/vindel/firmware-profiles"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/codec/builtin"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/profile"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// recorder is the stream side of the pipeline in these tests: it keeps what was published.
type recorder struct {
	mu  sync.Mutex
	obs []model.Observation
}

func (r *recorder) Publish(obs []model.Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, obs...)
}

func (r *recorder) published() []model.Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.Observation(nil), r.obs...)
}

// openRegistry opens a registry in a temp dir, closed when the test ends.
func openRegistry(tb testing.TB, log *slog.Logger) *devices.Registry {
	tb.Helper()
	reg, err := devices.Open(context.Background(), filepath.Join(tb.TempDir(), "registry.db"), log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { reg.Close() })
	return reg
}

// shippedProfiles loads the firmware profiles built into the binary, with their decoders.
func shippedProfiles(tb testing.TB) *profile.Set {
	tb.Helper()
	profiles, err := profile.Load(firmwareprofiles.FS, builtin.Decoders())
	if err != nil {
		tb.Fatal(err)
	}
	return profiles
}

type env struct {
	p       *Pipeline
	reg     *devices.Registry
	st      *memstore.Store
	store   backend // what the pipeline writes to; st when nil
	m       *metrics.Metrics
	pub     *recorder
	logs    *testenv.Buffer
	stop    func()
	stopped chan error
}

// newEnv runs a pipeline on a real registry (SQLite in a temp dir), the built-in profiles and
// decoders, and the in-memory store.
func newEnv(t *testing.T) *env {
	t.Helper()
	logs := &testenv.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := &env{reg: openRegistry(t, log), st: memstore.New(), logs: logs}
	return start(t, e)
}

// newEnvOn starts a new pipeline, as after a restart, on the registry and store of old.
func newEnvOn(t *testing.T, old *env) *env {
	t.Helper()
	return start(t, &env{reg: old.reg, st: old.st, logs: &testenv.Buffer{}})
}

func start(t *testing.T, e *env) *env {
	t.Helper()
	ctx := context.Background()
	profiles := shippedProfiles(t)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.m, e.pub, e.stopped = metrics.New(), &recorder{}, make(chan error, 1)
	var st backend = e.st
	if e.store != nil {
		st = e.store
	}
	var err error
	e.p, err = New(ctx, Deps{Registry: e.reg, Profiles: profiles, Store: st, Archive: st,
		Stream: e.pub, Metrics: e.m, Log: log}, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go func() { e.stopped <- e.p.Run(runCtx) }()
	stopped := false
	e.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-e.stopped; err != nil {
			t.Errorf("pipeline Run: %v", err)
		}
	}
	return e
}

func (e *env) register(t *testing.T, eui, prof string) *devices.Device {
	t.Helper()
	d, err := e.reg.Create(context.Background(), devices.Device{DevEUI: eui, Name: eui, Profile: prof,
		Public: true})
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

func (e *env) send(t *testing.T, source string, body []byte) {
	t.Helper()
	e.sendOn(t, source, "application/1/device/x/event/up", body)
}

func (e *env) sendOn(t *testing.T, source, topic string, body []byte) {
	t.Helper()
	m := ingest.Message{Source: source, Topic: topic, Body: body, ArrivedAt: time.Now().UTC()}
	if err := e.p.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func readSample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// v3Uplink is the ChirpStack v3 json_v3 sample (an Elsys ERS CO2 uplink) with changes.
func v3Uplink(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	m := readSample(t, "chirpstack-samples/v3-json_v3-up.json")
	if change != nil {
		change(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexPayload(h string) string {
	b := make([]byte, len(h)/2)
	for i := range b {
		var v byte
		for _, c := range h[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return base64.StdEncoding.EncodeToString(b)
}

func counter(e *env, source string, o store.Outcome) float64 {
	return testutil.ToFloat64(e.m.Uplinks.WithLabelValues(source, string(o)))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var zeroTime time.Time

// TestOfferWhenFull fills a queue of two before the pipeline runs: Offer takes what fits
// and refuses the rest at once, Handle waits until its deadline and then says ErrBusy, and
// once running the pipeline acknowledges exactly the Messages it took, in order.
func TestOfferWhenFull(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	p, err := New(ctx, Deps{Registry: openRegistry(t, nil), Profiles: shippedProfiles(t),
		Store: st, Archive: st,
		Stream: &recorder{}, Metrics: metrics.New(), Log: slog.New(slog.DiscardHandler)},
		Options{Workers: 1, Queue: 2})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked []int
	msg := func(i int) ingest.Message {
		return ingest.Message{Source: "t", Topic: "x", Body: []byte("not json"),
			ArrivedAt: time.Now().UTC(), Ack: func() {
				mu.Lock()
				defer mu.Unlock()
				acked = append(acked, i)
			}}
	}
	for i, want := range []bool{true, true, false} {
		if took, err := p.Offer(msg(i)); took != want || err != nil {
			t.Fatalf("Offer %d = %v, %v; want %v", i, took, err, want)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := p.Handle(short, msg(3)); !errors.Is(err, ingest.ErrBusy) {
		t.Fatalf("Handle on a full queue = %v, want ErrBusy", err)
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	if err := p.Handle(ctx, msg(4)); err != nil {
		t.Fatalf("Handle while running: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(acked)
		mu.Unlock()
		if len(got) == 3 {
			if !slices.Equal(got, []int{0, 1, 4}) {
				t.Fatalf("acknowledged %v, want [0 1 4]", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("acknowledged %v after 10s, want [0 1 4]", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := p.Offer(msg(5)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Offer after Run = %v, want ErrClosed", err)
	}
}

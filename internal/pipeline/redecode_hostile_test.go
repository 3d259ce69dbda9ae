package pipeline

// Hostile tests of Redecode. Where a store must refuse, block or report a read, hooked wraps
// a real store (memstore or Pebble): no real store can be told to fail one Keep on demand.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vindel-hub/vindel/devices"
	firmwareprofiles "github.com/vindel-hub/vindel/firmware-profiles"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/codec/builtin"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/profile"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
	"github.com/vindel-hub/vindel/internal/store/pebblestore"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// hooked is a real store with hooks on Keep, Append and Raw.
type hooked struct {
	backend
	keep   func(rs []store.RawUplink) error // before the real Keep; an error refuses it
	append func() error
	raw    func()
	before func() // before the real Raw
}

func (h *hooked) Keep(ctx context.Context, rs ...store.RawUplink) (uint64, error) {
	if h.keep != nil {
		if err := h.keep(rs); err != nil {
			return 0, err
		}
	}
	return h.backend.Keep(ctx, rs...)
}

func (h *hooked) Append(ctx context.Context, obs []model.Observation) error {
	if h.append != nil {
		if err := h.append(); err != nil {
			return err
		}
	}
	return h.backend.Append(ctx, obs)
}

func (h *hooked) Raw(ctx context.Context, dev string, after uint64,
	limit int) ([]store.RawUplink, error) {
	if h.before != nil {
		h.before()
	}
	out, err := h.backend.Raw(ctx, dev, after, limit)
	if h.raw != nil {
		h.raw()
	}
	return out, err
}

// envOn starts a pipeline on st (memstore.New() when nil).
func envOn(t *testing.T, st backend) *env {
	t.Helper()
	logs := &testenv.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := &env{reg: openRegistry(t, log), st: memstore.New(), store: st, logs: logs}
	return start(t, e)
}

func openPebble(t *testing.T) *pebblestore.Store {
	t.Helper()
	ps, err := pebblestore.Open(filepath.Join(t.TempDir(), "series"), pebblestore.Options{},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return ps
}

var attackBase = time.Date(2024, 3, 14, 8, 0, 0, 0, time.UTC)

// body is the Elsys sample of eui with FCnt fcnt, received by its gateway fcnt minutes after
// attackBase, so that each uplink's Observations have their own time.
func body(t *testing.T, eui string, fcnt int) []byte {
	t.Helper()
	return v3Uplink(t, func(m map[string]any) {
		m["devEUI"], m["fCnt"] = eui, fcnt
		rx := m["rxInfo"].([]any)[0].(map[string]any)
		rx["time"] = attackBase.Add(time.Duration(fcnt) * time.Minute).Format(time.RFC3339Nano)
	})
}

func (e *env) handleAt(t *testing.T, source string, b []byte, at time.Time) {
	t.Helper()
	m := ingest.Message{Source: source, Topic: "application/1/device/x/event/up", Body: b,
		ArrivedAt: at}
	if err := e.p.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// sendUnknown sends n uplinks of eui (FCnt from..from+n-1) while it is unregistered.
func (e *env) sendUnknown(t *testing.T, eui string, from, n int, at time.Time) {
	t.Helper()
	before := counter(e, "test", store.OutcomeUnknownDevice)
	for i := range n {
		e.handleAt(t, "test", body(t, eui, from+i), at)
	}
	waitFor(t, "unknown uplinks kept", func() bool {
		return counter(e, "test", store.OutcomeUnknownDevice) == before+float64(n)
	})
}

// stuckOnRedecode returns a memstore whose archive blocks every Keep of redecoded uplinks
// until gate is closed, and stuck, set once one is blocked.
func stuckOnRedecode() (h *hooked, gate chan struct{}, stuck *atomic.Bool) {
	h, gate, stuck = &hooked{backend: memstore.New()}, make(chan struct{}), &atomic.Bool{}
	h.keep = func(rs []store.RawUplink) error {
		if rs[0].Source == RedecodeSource {
			stuck.Store(true)
			<-gate
		}
		return nil
	}
	return h, gate, stuck
}

// dupObs counts Observations that repeat another's Datastream and phenomenonTime, and
// reports IDs that do not increase in publish order.
func dupObs(t *testing.T, obs []model.Observation) int {
	t.Helper()
	type k struct {
		ds int64
		at int64
	}
	seen := map[k]bool{}
	dups := 0
	for i, o := range obs {
		if i > 0 && o.ID <= obs[i-1].ID {
			t.Errorf("stream offsets out of order: %d after %d", o.ID, obs[i-1].ID)
		}
		kk := k{o.DatastreamID, o.PhenomenonTime.UnixNano()}
		if seen[kk] {
			dups++
		}
		seen[kk] = true
	}
	return dups
}

// TestRedecodeHostileConcurrent runs four Redecodes of one device at once.
func TestRedecodeHostileConcurrent(t *testing.T) {
	e := envOn(t, nil)
	defer e.stop()
	e.sendUnknown(t, elsysEUI, 1, 30, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")

	var wg sync.WaitGroup
	var total atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := e.p.Redecode(context.Background(), elsysEUI)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(rep.Uplinks))
		}()
	}
	wg.Wait()
	if total.Load() != 30 {
		t.Errorf("reports add up to %d uplinks, want 30", total.Load())
	}
	if d := dupObs(t, e.pub.published()); d != 0 {
		t.Errorf("%d duplicate Observations", d)
	}
}

// TestRedecodeHostileCanceledThenAgain cancels a Redecode after k of its uplinks were
// decoded, for several k, and at once asks again.
func TestRedecodeHostileCanceledThenAgain(t *testing.T) {
	for _, k := range []int{0, 1, 7, 59} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			e := envOn(t, nil)
			defer e.stop()
			e.sendUnknown(t, elsysEUI, 1, 60, time.Now().UTC())
			e.register(t, elsysEUI, "elsys/ers-co2")

			ctx, cancel := context.WithCancel(context.Background())
			if k == 0 {
				cancel()
			}
			go func() {
				for counter(e, RedecodeSource, store.OutcomeDecoded) < float64(k) {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
			_, err := e.p.Redecode(ctx, elsysEUI)
			t.Logf("canceled Redecode: %v", err)
			rep, err := e.p.Redecode(context.Background(), elsysEUI)
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			waitFor(t, "all 60 decoded", func() bool {
				return counter(e, RedecodeSource, store.OutcomeDecoded) == 60
			})
			if d := dupObs(t, e.pub.published()); d != 0 {
				t.Errorf("%d duplicate Observations (second report %+v)", d, rep)
			}
		})
	}
}

// TestRedecodeHostileWaitIgnoresCtx: while one Redecode waits for a store that is stuck, a
// second one whose caller gave up after 100ms must return, not wait for the first.
func TestRedecodeHostileWaitIgnoresCtx(t *testing.T) {
	h, gate, stuck := stuckOnRedecode()
	e := envOn(t, h)
	defer e.stop()
	defer close(gate)
	e.sendUnknown(t, elsysEUI, 1, 3, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")

	go e.p.Redecode(context.Background(), elsysEUI)
	waitFor(t, "the store stuck", stuck.Load)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := e.p.Redecode(ctx, elsysEUI); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second Redecode = %v, want its deadline", err)
		}
	case <-time.After(3 * time.Second):
		t.Errorf("second Redecode still waiting 3s after its 100ms deadline")
	}
}

// TestRedecodeHostileKeepRefused: the archive refuses the redecode's raw uplinks once (the
// Observations are stored); asking again must not store them a second time.
func TestRedecodeHostileKeepRefused(t *testing.T) {
	var refuse atomic.Bool
	h := &hooked{backend: memstore.New()}
	h.keep = func(rs []store.RawUplink) error {
		if refuse.Load() && rs[0].Source == RedecodeSource {
			return errors.New("disk full")
		}
		return nil
	}
	e := envOn(t, h)
	defer e.stop()
	e.sendUnknown(t, elsysEUI, 1, 5, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")

	refuse.Store(true)
	_, err := e.p.Redecode(context.Background(), elsysEUI)
	t.Logf("Redecode with the archive refusing: %v", err)
	refuse.Store(false)
	if _, err := e.p.Redecode(context.Background(), elsysEUI); err != nil {
		t.Fatal(err)
	}
	obs := e.pub.published()
	if d := dupObs(t, obs); d != 0 {
		t.Errorf("%d of %d Observations published twice", d, len(obs))
	}
	n, err := h.Count(context.Background(), 0, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != len(obs)-dupObs(t, obs) {
		t.Errorf("store holds %d Observations of %d uplinks' %d", n, 5, len(obs)-dupObs(t, obs))
	}
}

// TestRedecodeHostileStoreRefuses: a store that refuses every Append leaves the uplinks as
// store_error, with a true report and no hang; once it works, one more Redecode stores each
// once.
func TestRedecodeHostileStoreRefuses(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	h := &hooked{backend: memstore.New()}
	h.append = func() error {
		if refuse.Load() {
			return errors.New("refused")
		}
		return nil
	}
	e := envOn(t, h)
	defer e.stop()
	e.sendUnknown(t, elsysEUI, 1, 8, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")
	for range 2 {
		rep, err := e.p.Redecode(context.Background(), elsysEUI)
		if err != nil || rep.Uplinks != 8 || rep.Outcomes["store_error"] != 8 {
			t.Fatalf("Redecode on a refusing store = %+v, %v; want 8 store_error", rep, err)
		}
	}
	refuse.Store(false)
	rep, err := e.p.Redecode(context.Background(), elsysEUI)
	if err != nil || rep.Uplinks != 8 || rep.Outcomes["decoded"] != 8 {
		t.Fatalf("Redecode = %+v, %v; want 8 decoded", rep, err)
	}
	if d := dupObs(t, e.pub.published()); d != 0 {
		t.Errorf("%d duplicate Observations", d)
	}
}

// TestRedecodeHostilePages: more than two pages of raw uplinks, mixed with decoded ones and
// duplicates, on memstore and Pebble.
func TestRedecodeHostilePages(t *testing.T) {
	for _, kind := range []string{"memstore", "pebble"} {
		t.Run(kind, func(t *testing.T) {
			var st backend = memstore.New()
			if kind == "pebble" {
				st = openPebble(t)
			}
			e := envOn(t, st)
			defer e.stop()
			now := time.Now().UTC()
			e.sendUnknown(t, elsysEUI, 1, 1300, now)
			for i := range 200 { // copies: duplicates
				e.handleAt(t, "test", body(t, elsysEUI, 1+i*5), now)
			}
			waitFor(t, "duplicates", func() bool {
				return counter(e, "test", store.OutcomeDuplicate) == 200
			})
			e.register(t, elsysEUI, "elsys/ers-co2")
			for i := range 1000 { // decoded live, later FCnts
				e.handleAt(t, "test", body(t, elsysEUI, 5000+i), now)
			}
			waitFor(t, "live decoded", func() bool {
				return counter(e, "test", store.OutcomeDecoded) == 1000
			})
			rep, err := e.p.Redecode(context.Background(), elsysEUI)
			if err != nil || rep.Uplinks != 1300 || rep.Outcomes["decoded"] != 1300 {
				t.Fatalf("Redecode = %+v, %v; want 1300 decoded", rep, err)
			}
			rep, err = e.p.Redecode(context.Background(), elsysEUI)
			if err != nil || rep.Uplinks != 0 {
				t.Fatalf("second Redecode = %+v, %v; want none", rep, err)
			}
			if d := dupObs(t, e.pub.published()); d != 0 {
				t.Errorf("%d duplicate Observations", d)
			}
		})
	}
}

// TestRedecodeHostileSourceNamedRedecode: a source called "redecode" (the hub refuses the
// name; the pipeline does not): its live uplinks of the device, kept during a Redecode, are
// not counted in the report.
func TestRedecodeHostileSourceNamedRedecode(t *testing.T) {
	h := &hooked{backend: memstore.New()}
	e := envOn(t, h)
	defer e.stop()
	e.sendUnknown(t, elsysEUI, 1, 1, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")
	var once sync.Once
	h.raw = func() {
		once.Do(func() { // a broker's copy of the uplink, on a source named "redecode"
			e.handleAt(t, RedecodeSource, body(t, elsysEUI, 1), time.Now().UTC())
			waitFor(t, "the copy kept", func() bool {
				return counter(e, RedecodeSource, store.OutcomeDuplicate) == 1
			})
		})
	}
	rep, err := e.p.Redecode(context.Background(), elsysEUI)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Uplinks != 1 || rep.Outcomes["decoded"] != 1 {
		t.Errorf("report %+v, want the one uplink decoded", rep)
	}
}

// TestRedecodeHostileShutdown stops the pipeline during a Redecode of many uplinks: it
// returns, a Redecode after returns at once, and after a restart one more Redecode decodes
// the rest, each uplink once.
func TestRedecodeHostileShutdown(t *testing.T) {
	e := envOn(t, nil)
	e.sendUnknown(t, elsysEUI, 1, 3000, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")
	done := make(chan error, 1)
	go func() { _, err := e.p.Redecode(context.Background(), elsysEUI); done <- err }()
	waitFor(t, "decoding under way", func() bool {
		return counter(e, RedecodeSource, store.OutcomeDecoded) > 100
	})
	e.stop()
	select {
	case err := <-done:
		t.Logf("Redecode during shutdown: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Redecode still running 10s after shutdown")
	}
	first := e.pub.published()
	after := make(chan error, 1)
	go func() { _, err := e.p.Redecode(context.Background(), elsysEUI); after <- err }()
	select {
	case err := <-after:
		if !errors.Is(err, ErrClosed) && err != nil {
			t.Logf("Redecode after shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Redecode after shutdown hangs")
	}

	e2 := start(t, &env{reg: e.reg, st: e.st, logs: &testenv.Buffer{}})
	defer e2.stop()
	if _, err := e2.p.Redecode(context.Background(), elsysEUI); err != nil {
		t.Fatal(err)
	}
	all := append(first, e2.pub.published()...)
	if d := dupObs(t, all); d != 0 {
		t.Errorf("%d duplicate Observations across the restart", d)
	}
	raws, _ := e.st.Raw(context.Background(), elsysEUI, 0, 0)
	keys := map[string]int{}
	for _, r := range raws {
		if r.Outcome == store.OutcomeDecoded {
			keys[r.DedupKey]++
		}
	}
	if len(keys) != 3000 {
		t.Errorf("%d uplinks decoded, want 3000", len(keys))
	}
}

// TestRedecodeHostilePebbleRestartDedup: on Pebble, a Redecode of uplinks received hours ago
// and a restart after it; a broker's redelivery of an uplink kept just before the Redecode
// must still be a duplicate. Without the Redecode (the control) it is.
func TestRedecodeHostilePebbleRestartDedup(t *testing.T) {
	for _, redecode := range []bool{false, true} {
		t.Run(fmt.Sprint("redecode=", redecode), func(t *testing.T) {
			ps := openPebble(t)
			e := envOn(t, ps)
			const other = "a1b2c3d4e5f60709"
			e.register(t, other, "elsys/ers-co2")
			e.sendUnknown(t, elsysEUI, 1, 40, time.Now().Add(-3*time.Hour).UTC())
			live := body(t, other, 900)
			e.handleAt(t, "test", live, time.Now().UTC())
			waitFor(t, "live decoded", func() bool {
				return counter(e, "test", store.OutcomeDecoded) == 1
			})
			e.register(t, elsysEUI, "elsys/ers-co2")
			if redecode {
				if _, err := e.p.Redecode(context.Background(), elsysEUI); err != nil {
					t.Fatal(err)
				}
			}
			e.stop()

			e2 := start(t, &env{reg: e.reg, st: e.st, store: ps, logs: &testenv.Buffer{}})
			defer e2.stop()
			e2.handleAt(t, "test", live, time.Now().UTC()) // redelivered after the restart
			waitFor(t, "the copy counted", func() bool {
				return counter(e2, "test", store.OutcomeDuplicate)+
					counter(e2, "test", store.OutcomeDecoded) == 1
			})
			if counter(e2, "test", store.OutcomeDecoded) != 0 {
				waitFor(t, "published", func() bool { return len(e2.pub.published()) > 0 })
				t.Errorf("the redelivered uplink was decoded again after the restart: its %d "+
					"Observations stored twice", len(e2.pub.published()))
			}
		})
	}
}

// TestRedecodeHostilePebbleTimes: Observations of an uplink without a gateway time take the
// time it arrived at, through Pebble's archive, to the nanosecond.
func TestRedecodeHostilePebbleTimes(t *testing.T) {
	e := envOn(t, openPebble(t))
	defer e.stop()
	at := time.Now().Add(-5*time.Hour - 123456789).UTC()
	b := v3Uplink(t, func(m map[string]any) {
		delete(m["rxInfo"].([]any)[0].(map[string]any), "time")
	})
	e.handleAt(t, "test", b, at)
	waitFor(t, "kept", func() bool { return counter(e, "test", store.OutcomeUnknownDevice) == 1 })
	e.register(t, elsysEUI, "elsys/ers-co2")
	if _, err := e.p.Redecode(context.Background(), elsysEUI); err != nil {
		t.Fatal(err)
	}
	obs := e.pub.published()
	if len(obs) == 0 {
		t.Fatal("nothing published")
	}
	for _, o := range obs {
		if !o.PhenomenonTime.Equal(at) || !o.ResultTime.Equal(at) {
			t.Errorf("Observation %d at %v / %v, want %v", o.ID, o.PhenomenonTime, o.ResultTime, at)
		}
	}
}

// TestRedecodeHostileReportOwnOnly: two Redecodes, of two devices, asked at once while the
// first device also sends live uplinks: each report counts the uplinks it queued, no
// others, and nothing is decoded twice.
func TestRedecodeHostileReportOwnOnly(t *testing.T) {
	e := newEnv(t)
	defer e.stop()
	const other = "a1b2c3d4e5f607bb"
	e.sendUnknown(t, elsysEUI, 1, 5, time.Now().UTC())
	e.sendUnknown(t, other, 1, 3, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")
	e.register(t, other, "elsys/ers-co2")
	var wg sync.WaitGroup
	var reps [2]devices.RedecodeReport
	for i, eui := range []string{elsysEUI, other} {
		wg.Go(func() {
			var err error
			if reps[i], err = e.p.Redecode(context.Background(), eui); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		for f := 100; f < 105; f++ {
			e.handleAt(t, "test", body(t, elsysEUI, f), time.Now().UTC())
		}
	})
	wg.Wait()
	if reps[0].Uplinks != 5 || reps[0].Outcomes["decoded"] != 5 ||
		reps[1].Uplinks != 3 || reps[1].Outcomes["decoded"] != 3 {
		t.Errorf("reports %+v and %+v, want 5 and 3 decoded", reps[0], reps[1])
	}
	waitFor(t, "the live uplinks decoded", func() bool {
		return counter(e, "test", store.OutcomeDecoded) == 5
	})
	if d := dupObs(t, e.pub.published()); d != 0 {
		t.Errorf("%d duplicate Observations", d)
	}
}

// TestRedecodeHostileSenMLTimes: a SenML pack with a relative time ("t": -60) in an uplink
// without a gateway time, kept 30 minutes ago, decoded again now: the measurement was 60 s
// before it arrived, not 60 s before the redecode.
func TestRedecodeHostileSenMLTimes(t *testing.T) {
	profiles, err := profile.Load(fstest.MapFS{
		"vocabulary.yaml": {Data: mustRead(t, firmwareprofiles.FS, "vocabulary.yaml")},
		"test/senml.yaml": {Data: []byte("vendor: test\nmodel: senml\nname: SenML\n" +
			"firmware: [\"*\"]\ndecoder: senml\nfields:\n" +
			"  - {path: temperature.value, property: air_temperature, time: temperature.time}\n")},
	}, builtin.Decoders())
	if err != nil {
		t.Fatal(err)
	}
	e := startProfiles(t, profiles)
	defer e.stop()
	arrived := time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Second)
	pack := `[{"n":"temperature","u":"Cel","v":21.5,"t":-60}]`
	b := v3Uplink(t, func(m map[string]any) {
		delete(m["rxInfo"].([]any)[0].(map[string]any), "time")
		m["data"] = base64.StdEncoding.EncodeToString([]byte(pack))
	})
	e.handleAt(t, "test", b, arrived)
	waitFor(t, "kept", func() bool { return counter(e, "test", store.OutcomeUnknownDevice) == 1 })
	e.register(t, elsysEUI, "test/senml")
	rep, err := e.p.Redecode(context.Background(), elsysEUI)
	if err != nil || rep.Outcomes["decoded"] != 1 {
		t.Fatalf("Redecode = %+v, %v", rep, err)
	}
	obs := e.pub.published()
	if len(obs) != 1 {
		t.Fatalf("%d Observations, want 1", len(obs))
	}
	want := arrived.Add(-time.Minute)
	if d := obs[0].PhenomenonTime.Sub(want); d > time.Second || d < -time.Second {
		t.Errorf("phenomenonTime %v, want %v (the pack's -60 s from its arrival); off by %v",
			obs[0].PhenomenonTime, want, d)
	}
}

func mustRead(t *testing.T, fsys fs.FS, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startProfiles runs a pipeline on memstore with the given profiles.
func startProfiles(t *testing.T, profiles *profile.Set) *env {
	t.Helper()
	logs := &testenv.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := &env{reg: openRegistry(t, log), st: memstore.New(), logs: logs, m: metrics.New(),
		pub: &recorder{}, stopped: make(chan error, 1)}
	p, err := New(context.Background(), Deps{Registry: e.reg, Profiles: profiles, Store: e.st,
		Archive: e.st, Stream: e.pub, Metrics: e.m, Log: log}, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	ctx, cancel := context.WithCancel(context.Background())
	go func() { e.stopped <- p.Run(ctx) }()
	e.stop = func() {
		cancel()
		if err := <-e.stopped; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	return e
}

// TestRedecodeHostileCallerGivesUp: a Redecode whose caller gave up while the archive was
// stuck keeps the next one waiting until its queued uplinks are kept, so the next one finds
// them decoded and does not queue them again.
func TestRedecodeHostileCallerGivesUp(t *testing.T) {
	h, gate, stuck := stuckOnRedecode()
	var secondRead atomic.Bool
	e := envOn(t, h)
	defer e.stop()
	e.sendUnknown(t, elsysEUI, 1, 3, time.Now().UTC())
	e.register(t, elsysEUI, "elsys/ers-co2")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := e.p.Redecode(ctx, elsysEUI); done <- err }()
	waitFor(t, "the archive stuck", stuck.Load)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("Redecode whose caller gave up returned no error")
	}
	if len(e.p.redecoding) != 1 { // held until the queued uplinks are kept: the gate is shut
		t.Fatal("Redecode let go of its lock while its uplinks were still queued")
	}
	h.before = func() { secondRead.Store(true) }
	second := make(chan error, 1)
	go func() { _, err := e.p.Redecode(context.Background(), elsysEUI); second <- err }()
	if secondRead.Load() {
		t.Error("the second Redecode read the archive while the first's uplinks were queued")
	}
	close(gate)
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if d := dupObs(t, e.pub.published()); d != 0 {
		t.Errorf("%d duplicate Observations: the second Redecode decoded the first's "+
			"uplinks again", d)
	}
}

package stream

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// fakeStore is an in-test store.Store on a slice sorted by ID, written for these tests because
// the real stores are built in parallel with this package. It honours the keyset paging of
// Scan exactly and counts Scan calls, so tests can tell a ring replay from a store replay.
type fakeStore struct {
	mu        sync.Mutex
	obs       []model.Observation // sorted by ID
	scans     atomic.Int64
	scanDelay time.Duration // slows every Scan, to widen race windows
	scanErr   error         // returned by Scan when set
}

var _ store.Store = (*fakeStore)(nil)

func (s *fakeStore) Append(_ context.Context, obs []model.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.obs = append(s.obs, obs...)
	sort.Slice(s.obs, func(i, j int) bool { return s.obs[i].ID < s.obs[j].ID })
	return nil
}

func (s *fakeStore) Flush(context.Context) error { return nil }

func (s *fakeStore) Get(_ context.Context, id uint64) (model.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.obs), func(i int) bool { return s.obs[i].ID >= id })
	if i < len(s.obs) && s.obs[i].ID == id {
		return s.obs[i], nil
	}
	return model.Observation{}, store.ErrNotFound
}

func (s *fakeStore) Range(context.Context, store.RangeQuery) ([]model.Observation, error) {
	return nil, errors.New("fakeStore: Range is not used by the stream")
}

func (s *fakeStore) Scan(ctx context.Context, q store.ScanQuery) ([]model.Observation, error) {
	s.scans.Add(1)
	if s.scanDelay > 0 {
		time.Sleep(s.scanDelay)
	}
	if s.scanErr != nil {
		return nil, s.scanErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Observation
	if q.Desc {
		i := sort.Search(len(s.obs), func(i int) bool { return s.obs[i].ID >= q.AfterID })
		for i--; i >= 0 && (q.Limit == 0 || len(out) < q.Limit); i-- {
			out = append(out, s.obs[i])
		}
		return out, nil
	}
	i := sort.Search(len(s.obs), func(i int) bool { return s.obs[i].ID > q.AfterID })
	for ; i < len(s.obs) && (q.Limit == 0 || len(out) < q.Limit); i++ {
		out = append(out, s.obs[i])
	}
	return out, nil
}

func (s *fakeStore) Count(context.Context, int64, time.Time, time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.obs)), nil
}

func (s *fakeStore) Latest(context.Context) (map[int64]model.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]model.Observation{}
	for _, o := range s.obs {
		if cur, ok := out[o.DatastreamID]; !ok || !o.PhenomenonTime.Before(cur.PhenomenonTime) {
			out[o.DatastreamID] = o
		}
	}
	return out, nil
}

func (s *fakeStore) LastID(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.obs) == 0 {
		return 0, nil
	}
	return s.obs[len(s.obs)-1].ID, nil
}

func (s *fakeStore) Close() error { return nil }

// fakeCatalog serves the public view of a registry snapshot that a test can replace.
type fakeCatalog struct {
	pub atomic.Pointer[devices.Snapshot]
}

func (c *fakeCatalog) Public() *devices.Snapshot { return c.pub.Load() }

// set replaces the registry with devs and their Datastreams.
func (c *fakeCatalog) set(devs []*devices.Device, streams []*model.Datastream) {
	c.pub.Store(devices.PublicView(devices.NewSnapshot(devs, nil, nil, streams)))
}

// The test registry: devices 1 and 2 are public, device 3 is private.
const (
	eui1 = "70b3d57ed0000001"
	eui2 = "70b3d57ed0000002"
	eui3 = "70b3d57ed0000003"
)

// registry builds the test devices, with the devices named in private made private, and
// their Datastreams: 11 (temperature) and 12 (humidity) on device 1, 21 (temperature) on
// device 2, and 31 (temperature) on device 3.
func registry(private ...string) ([]*devices.Device, []*model.Datastream) {
	var devs []*devices.Device
	for i, eui := range []string{eui1, eui2, eui3} {
		d := &devices.Device{ID: int64(i + 1), DevEUI: eui, Name: "sensor " + eui, Public: true}
		for _, p := range private {
			d.Public = d.Public && p != eui
		}
		devs = append(devs, d)
	}
	cel := model.Unit{Name: "degree Celsius", Symbol: "°C", UCUM: "Cel"}
	pct := model.Unit{Name: "percent", Symbol: "%", UCUM: "%"}
	streams := []*model.Datastream{
		{ID: 11, ThingID: 1, DevEUI: eui1, Property: "air_temperature", Unit: cel},
		{ID: 12, ThingID: 1, DevEUI: eui1, Property: "relative_humidity", Unit: pct},
		{ID: 21, ThingID: 2, DevEUI: eui2, Property: "air_temperature", Unit: cel},
		{ID: 31, ThingID: 3, DevEUI: eui3, Property: "air_temperature", Unit: cel},
	}
	return devs, streams
}

// newCatalog returns a catalogue of the test registry with eui3 private.
func newCatalog() *fakeCatalog {
	c := &fakeCatalog{}
	c.set(registry(eui3))
	return c
}

// publicStreams are the Datastreams public in newCatalog, which generated data cycles through.
var publicStreams = []int64{11, 12, 21}

// obsAt returns an Observation with the given offset of the given Datastream.
func obsAt(id uint64, ds int64) model.Observation {
	t := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Second)
	return model.Observation{ID: id, DatastreamID: ds, PhenomenonTime: t,
		ResultTime: t.Add(500 * time.Millisecond), Result: model.Number(float64(id) / 10)}
}

// series returns Observations with offsets from..to of the public Datastreams in turn.
func series(from, to uint64) []model.Observation {
	var out []model.Observation
	for id := from; id <= to; id++ {
		out = append(out, obsAt(id, publicStreams[int(id)%len(publicStreams)]))
	}
	return out
}

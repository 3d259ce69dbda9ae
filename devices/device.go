// Package devices is the registry of devices and of what hangs off them: owners, firmware
// profiles, locations, licences and the Datastreams first seen in their uplinks.
package devices

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// Device is a registered sensor. In SensorThings it is a Thing; its location is the Thing's
// Location and the FeatureOfInterest of its Observations.
type Device struct {
	ID          int64             `json:"id"` // the Thing's @iot.id
	DevEUI      string            `json:"devEui"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Profile     string            `json:"profile"`            // "vendor/model", e.g. "elsys/ers-co2"
	Firmware    string            `json:"firmware,omitempty"` // firmware version, picks the profile
	Location    *Location         `json:"location,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Licence     string            `json:"licence"` // SPDX identifier, e.g. "CC0-1.0"
	Public      bool              `json:"public"`
	Tags        map[string]string `json:"tags,omitempty"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	// LocationTime is when the location was last set: the time of the HistoricalLocation.
	LocationTime time.Time `json:"locationTime,omitempty"`
}

// Location is where a device stands, in WGS 84.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Altitude  float64 `json:"altitude,omitempty"`
	Name      string  `json:"name,omitempty"` // e.g. "Storgatan 12, roof"
}

// Snapshot is an immutable view of the registry at one moment. Readers take one and use it
// for a whole request; writers replace it. Slices are sorted by ID and must not be modified.
type Snapshot struct {
	Devices     []*Device
	Sensors     []*model.Sensor
	Properties  []*model.ObservedProperty
	Datastreams []*model.Datastream
	byDevice    map[int64]*Device
	byEUI       map[string]*Device
	bySensor    map[int64]*model.Sensor
	byProperty  map[int64]*model.ObservedProperty
	// byThing is shared by the snapshots that grew from one another by WithDatastream; each
	// sees only the Datastreams up to its own last id, so adding one costs O(1), not a rebuild.
	byThing *thingIndex
}

// thingIndex lists each Thing's Datastreams in id order. Datastreams are only ever appended.
type thingIndex struct {
	mu sync.RWMutex
	m  map[int64][]*model.Datastream
}

// NewSnapshot indexes the given entities. The slices must be sorted by ID.
func NewSnapshot(devs []*Device, sensors []*model.Sensor, props []*model.ObservedProperty,
	streams []*model.Datastream) *Snapshot {
	s := &Snapshot{
		Devices: devs, Sensors: sensors, Properties: props, Datastreams: streams,
		byDevice:   make(map[int64]*Device, len(devs)),
		byEUI:      make(map[string]*Device, len(devs)),
		bySensor:   make(map[int64]*model.Sensor, len(sensors)),
		byProperty: make(map[int64]*model.ObservedProperty, len(props)),
		byThing:    &thingIndex{m: make(map[int64][]*model.Datastream)},
	}
	for _, d := range devs {
		s.byDevice[d.ID] = d
		s.byEUI[d.DevEUI] = d
	}
	for _, x := range sensors {
		s.bySensor[x.ID] = x
	}
	for _, p := range props {
		s.byProperty[p.ID] = p
	}
	for _, ds := range streams {
		s.byThing.m[ds.ThingID] = append(s.byThing.m[ds.ThingID], ds)
	}
	return s
}

// WithDatastream returns a snapshot that also holds ds, whose id must be higher than every
// Datastream of s, and whose Thing, Sensor and ObservedProperty s already holds. Only the
// newest snapshot of a chain may grow: the registry guarantees it by growing under its lock.
func (s *Snapshot) WithDatastream(ds *model.Datastream) *Snapshot {
	next := *s
	next.Datastreams = append(s.Datastreams, ds)
	s.byThing.mu.Lock()
	s.byThing.m[ds.ThingID] = append(s.byThing.m[ds.ThingID], ds)
	s.byThing.mu.Unlock()
	return &next
}

// WithDevice returns a snapshot that also holds d, whose id must be higher than every
// device's of s. It copies the device indexes (O(devices)) but nothing else, so registering
// devices one by one does not rebuild the Datastream indexes each time.
func (s *Snapshot) WithDevice(d *Device) *Snapshot {
	next := *s
	next.Devices = append(s.Devices[:len(s.Devices):len(s.Devices)], d)
	next.byDevice = make(map[int64]*Device, len(s.byDevice)+1)
	next.byEUI = make(map[string]*Device, len(s.byEUI)+1)
	for k, v := range s.byDevice {
		next.byDevice[k] = v
	}
	for k, v := range s.byEUI {
		next.byEUI[k] = v
	}
	next.byDevice[d.ID], next.byEUI[d.DevEUI] = d, d
	return &next
}

// Device returns the device with the given Thing id.
func (s *Snapshot) Device(id int64) (*Device, bool) { d, ok := s.byDevice[id]; return d, ok }

// DeviceByEUI returns the device with the given DevEUI (lower-case hex).
func (s *Snapshot) DeviceByEUI(eui string) (*Device, bool) { d, ok := s.byEUI[eui]; return d, ok }

// Sensor returns the Sensor with the given id.
func (s *Snapshot) Sensor(id int64) (*model.Sensor, bool) { x, ok := s.bySensor[id]; return x, ok }

// Property returns the ObservedProperty with the given id.
func (s *Snapshot) Property(id int64) (*model.ObservedProperty, bool) {
	p, ok := s.byProperty[id]
	return p, ok
}

// Datastream returns the Datastream with the given id.
func (s *Snapshot) Datastream(id int64) (*model.Datastream, bool) {
	i, ok := slices.BinarySearchFunc(s.Datastreams, id, func(ds *model.Datastream, id int64) int {
		return cmp.Compare(ds.ID, id)
	})
	if !ok {
		return nil, false
	}
	return s.Datastreams[i], true
}

// DatastreamsOf returns the Datastreams of a Thing, sorted by id.
func (s *Snapshot) DatastreamsOf(thingID int64) []*model.Datastream {
	s.byThing.mu.RLock()
	list := s.byThing.m[thingID]
	s.byThing.mu.RUnlock()
	last := int64(0)
	if n := len(s.Datastreams); n > 0 {
		last = s.Datastreams[n-1].ID
	}
	n, _ := slices.BinarySearchFunc(list, last+1, func(ds *model.Datastream, id int64) int {
		return cmp.Compare(ds.ID, id)
	})
	return list[:n:n]
}

// Catalog hands out snapshots. Public is the only view any open output may use: it holds
// public devices and only what hangs off them (see Visible).
type Catalog interface {
	Public() *Snapshot
}

package sensorthings

import (
	"errors"
	"slices"
	"strconv"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// set is an entity collection: a top-level entity set or the target of a to-many
// navigation. Sets of Observations are read from the store in pages; every other set is
// small and held in memory.
type set struct {
	kind kind
	path string // relative to the service root, e.g. "Things(1)/Datastreams"
	list func() []*item
	find func(id int64) (*item, bool, error)
	obs  *obsSet
}

// obsSet is a set of Observations: those of some Datastreams, or of every public one.
type obsSet struct {
	streams []int64 // the Datastreams, when not global
	global  bool
}

func selfPath(it *item) string {
	return collectionNames[it.kind] + "(" + strconv.FormatInt(it.id(), 10) + ")"
}

// topSet returns the entity set named by the first path segment.
func (rq *request) topSet(k kind) *set {
	s := &set{kind: k, path: collectionNames[k]}
	snap := rq.snap
	switch k {
	case kThing, kLocation, kHistoricalLocation, kFeatureOfInterest:
		s.list = func() []*item {
			var out []*item
			for _, d := range snap.Devices {
				if k == kThing || located(d) {
					out = append(out, devItem(k, d))
				}
			}
			return out
		}
		s.find = func(id int64) (*item, bool, error) {
			d, ok := snap.Device(id)
			if !ok || (k != kThing && !located(d)) {
				return nil, false, nil
			}
			return devItem(k, d), true, nil
		}
	case kSensor:
		s.list = func() []*item { return sensorItems(snap.Sensors) }
		s.find = func(id int64) (*item, bool, error) {
			x, ok := snap.Sensor(id)
			return &item{kind: kSensor, sensor: x}, ok, nil
		}
	case kObservedProperty:
		s.list = func() []*item { return propItems(snap.Properties) }
		s.find = func(id int64) (*item, bool, error) {
			p, ok := snap.Property(id)
			return &item{kind: kObservedProperty, prop: p}, ok, nil
		}
	case kDatastream:
		s.list = func() []*item { return dsItems(snap.Datastreams) }
		s.find = func(id int64) (*item, bool, error) {
			ds, ok := snap.Datastream(id)
			return &item{kind: kDatastream, ds: ds}, ok, nil
		}
	case kObservation:
		s.obs = &obsSet{global: true}
		s.find = rq.findObservation(s.obs)
	}
	return s
}

// findObservation looks an Observation up by id and checks that it belongs to the set:
// to one of the set's Datastreams, and in any case to a Datastream of the public snapshot.
func (rq *request) findObservation(os *obsSet) func(int64) (*item, bool, error) {
	return func(id int64) (*item, bool, error) {
		if id < 0 {
			return nil, false, nil
		}
		o, err := rq.h.st.Get(rq.ctx, uint64(id))
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, storeError("get observation", err)
		}
		if _, ok := rq.snap.Datastream(o.DatastreamID); !ok {
			return nil, false, nil
		}
		if !os.global && !slices.Contains(os.streams, o.DatastreamID) {
			return nil, false, nil
		}
		return &item{kind: kObservation, obs: o}, true, nil
	}
}

// toMany returns the set a to-many relation of it leads to.
func (rq *request) toMany(it *item, r relation) *set {
	s := &set{kind: r.target, path: selfPath(it) + "/" + r.name}
	if r.target == kObservation {
		s.obs = &obsSet{streams: rq.streamsOf(it)}
		s.find = rq.findObservation(s.obs)
		return s
	}
	s.list = func() []*item { return rq.related(it, r) }
	s.find = func(id int64) (*item, bool, error) {
		for _, x := range s.list() {
			if x.id() == id {
				return x, true, nil
			}
		}
		return nil, false, nil
	}
	return s
}

// streamsOf returns the Datastreams whose Observations hang off a Datastream or a
// FeatureOfInterest (the device's location: every Datastream of the device).
func (rq *request) streamsOf(it *item) []int64 {
	if it.kind == kDatastream {
		return []int64{it.ds.ID}
	}
	var ids []int64
	for _, ds := range rq.snap.DatastreamsOf(it.dev.ID) {
		ids = append(ids, ds.ID)
	}
	return ids
}

func (rq *request) related(it *item, r relation) []*item {
	switch {
	case it.kind == kThing && r.target == kDatastream:
		return dsItems(rq.snap.DatastreamsOf(it.dev.ID))
	case it.kind == kSensor || it.kind == kObservedProperty:
		var out []*model.Datastream
		for _, ds := range rq.snap.Datastreams {
			if it.kind == kSensor && ds.SensorID == it.sensor.ID ||
				it.kind == kObservedProperty && ds.ObservedPropertyID == it.prop.ID {
				out = append(out, ds)
			}
		}
		return dsItems(out)
	}
	if one, ok := rq.toOne(it, r); ok {
		return []*item{one}
	}
	return nil
}

// toOne follows a to-one relation, or a to-many one that holds at most one entity here.
func (rq *request) toOne(it *item, r relation) (*item, bool) {
	switch it.kind {
	case kDatastream:
		return rq.fromDatastream(it.ds, r.target)
	case kObservation:
		ds, ok := rq.snap.Datastream(it.obs.DatastreamID)
		if !ok {
			return nil, false
		}
		if r.target == kDatastream {
			return &item{kind: kDatastream, ds: ds}, true
		}
		d, ok := rq.snap.Device(ds.ThingID)
		if !ok || !located(d) {
			return nil, false
		}
		return devItem(kFeatureOfInterest, d), true
	case kThing, kLocation, kHistoricalLocation:
		if r.target != kThing && !located(it.dev) {
			return nil, false
		}
		return devItem(r.target, it.dev), true
	}
	return nil, false
}

func (rq *request) fromDatastream(ds *model.Datastream, target kind) (*item, bool) {
	switch target {
	case kThing:
		d, ok := rq.snap.Device(ds.ThingID)
		return devItem(kThing, d), ok
	case kSensor:
		x, ok := rq.snap.Sensor(ds.SensorID)
		return &item{kind: kSensor, sensor: x}, ok
	case kObservedProperty:
		p, ok := rq.snap.Property(ds.ObservedPropertyID)
		return &item{kind: kObservedProperty, prop: p}, ok
	}
	return nil, false
}

func sensorItems(xs []*model.Sensor) []*item {
	out := make([]*item, len(xs))
	for i, x := range xs {
		out[i] = &item{kind: kSensor, sensor: x}
	}
	return out
}

func propItems(ps []*model.ObservedProperty) []*item {
	out := make([]*item, len(ps))
	for i, p := range ps {
		out[i] = &item{kind: kObservedProperty, prop: p}
	}
	return out
}

func dsItems(dss []*model.Datastream) []*item {
	out := make([]*item, len(dss))
	for i, ds := range dss {
		out[i] = &item{kind: kDatastream, ds: ds}
	}
	return out
}

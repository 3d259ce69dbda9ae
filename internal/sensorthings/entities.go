package sensorthings

import (
	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

// kind is an entity type of the SensorThings data model (18-088 §8.2).
type kind uint8

// The kinds, in the order the service root lists their collections.
const (
	kThing kind = iota
	kLocation
	kHistoricalLocation
	kDatastream
	kSensor
	kObservation
	kObservedProperty
	kFeatureOfInterest
	numKinds
)

// collectionNames are the entity set names (18-088 §9.2.1).
var collectionNames = [numKinds]string{
	"Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors", "Observations",
	"ObservedProperties", "FeaturesOfInterest",
}

// typeNames are the entity type names, for messages.
var typeNames = [numKinds]string{
	"Thing", "Location", "HistoricalLocation", "Datastream", "Sensor", "Observation",
	"ObservedProperty", "FeatureOfInterest",
}

func kindOfCollection(name string) (kind, bool) {
	for k, n := range collectionNames {
		if n == name {
			return kind(k), true
		}
	}
	return 0, false
}

// item is one entity. Things, Locations, HistoricalLocations and FeaturesOfInterest are
// all views of a device; Observations are held by value as the store returns them.
type item struct {
	kind   kind
	dev    *devices.Device
	sensor *model.Sensor
	prop   *model.ObservedProperty
	ds     *model.Datastream
	obs    model.Observation
}

func (it *item) id() int64 {
	switch it.kind {
	case kSensor:
		return it.sensor.ID
	case kObservedProperty:
		return it.prop.ID
	case kDatastream:
		return it.ds.ID
	case kObservation:
		return int64(it.obs.ID)
	}
	return it.dev.ID
}

func devItem(k kind, d *devices.Device) *item { return &item{kind: k, dev: d} }

// relation is a navigation property (18-088 §8.2, the relations of each entity type).
type relation struct {
	name   string
	target kind
	many   bool
}

var relations = [numKinds][]relation{
	kThing: {
		{"Datastreams", kDatastream, true},
		{"HistoricalLocations", kHistoricalLocation, true},
		{"Locations", kLocation, true},
	},
	kLocation: {
		{"HistoricalLocations", kHistoricalLocation, true},
		{"Things", kThing, true},
	},
	kHistoricalLocation: {{"Locations", kLocation, true}, {"Thing", kThing, false}},
	kDatastream: {
		{"Observations", kObservation, true},
		{"ObservedProperty", kObservedProperty, false},
		{"Sensor", kSensor, false},
		{"Thing", kThing, false},
	},
	kSensor: {{"Datastreams", kDatastream, true}},
	kObservation: {
		{"Datastream", kDatastream, false},
		{"FeatureOfInterest", kFeatureOfInterest, false},
	},
	kObservedProperty:  {{"Datastreams", kDatastream, true}},
	kFeatureOfInterest: {{"Observations", kObservation, true}},
}

func relationOf(k kind, name string) (relation, bool) {
	for _, r := range relations[k] {
		if r.name == name {
			return r, true
		}
	}
	return relation{}, false
}

// singleValued reports whether a to-many relation holds at most one entity in Vindel's
// model (a device has one Location and one HistoricalLocation), so a filter may read
// through it as if it were to-one.
func singleValued(from kind, r relation) bool {
	switch from {
	case kThing:
		return r.target == kLocation || r.target == kHistoricalLocation
	case kLocation, kHistoricalLocation:
		return r.target != kDatastream
	}
	return false
}

func located(d *devices.Device) bool { return d != nil && d.Location != nil }

package sensorthings

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

// propDef is a property of an entity type: its name and how to read it. A nil value is
// JSON null, or, with omitNil, leaves the property out.
type propDef struct {
	name    string
	omitNil bool
	get     func(rq *request, it *item) any
}

// geoJSON is the encodingType of Locations and FeaturesOfInterest (18-088 Table 6).
const geoJSON = "application/geo+json"

// props lists the properties of each entity type in output order (18-088 §8.2 tables;
// the mandatory ones of specs §2 are always present).
var props = [numKinds][]propDef{
	kThing: {
		{"name", false, func(_ *request, it *item) any { return it.dev.Name }},
		{"description", false, func(_ *request, it *item) any { return it.dev.Description }},
		{"properties", false, func(_ *request, it *item) any { return thingProperties(it.dev) }},
	},
	kLocation: {
		{"name", false, func(_ *request, it *item) any { return placeName(it.dev) }},
		{"description", false, func(_ *request, it *item) any { return placeDescription(it.dev) }},
		{"encodingType", false, func(*request, *item) any { return geoJSON }},
		{"location", false, func(_ *request, it *item) any { return point(it.dev.Location) }},
	},
	kHistoricalLocation: {
		{"time", false, func(_ *request, it *item) any { return locationTime(it.dev) }},
	},
	kDatastream: {
		{"name", false, func(_ *request, it *item) any { return it.ds.Name }},
		{"description", false, func(_ *request, it *item) any { return it.ds.Description }},
		{"unitOfMeasurement", false, func(_ *request, it *item) any { return unit(it.ds.Unit) }},
		{"observationType", false, func(_ *request, it *item) any {
			return it.ds.ObservationType
		}},
		{"phenomenonTime", true, func(rq *request, it *item) any {
			return rq.dsTimes(it.ds.ID).phenomenon.orNil()
		}},
		{"resultTime", true, func(rq *request, it *item) any {
			return rq.dsTimes(it.ds.ID).result.orNil()
		}},
	},
	kSensor: {
		{"name", false, func(_ *request, it *item) any { return it.sensor.Name }},
		{"description", false, func(_ *request, it *item) any { return it.sensor.Description }},
		{"encodingType", false, func(_ *request, it *item) any {
			return sensorEncoding(it.sensor.Metadata)
		}},
		{"metadata", false, func(_ *request, it *item) any { return it.sensor.Metadata }},
		{"properties", true, func(_ *request, it *item) any {
			if it.sensor.Key == "" {
				return nil
			}
			return object{{"profile", it.sensor.Key}}
		}},
	},
	kObservation: {
		{"phenomenonTime", false, func(_ *request, it *item) any {
			return it.obs.PhenomenonTime
		}},
		{"resultTime", false, func(_ *request, it *item) any {
			return timeOrNil(it.obs.ResultTime)
		}},
		{"result", false, func(_ *request, it *item) any { return it.obs.Result }},
	},
	kObservedProperty: {
		{"name", false, func(_ *request, it *item) any { return it.prop.Name }},
		{"definition", false, func(_ *request, it *item) any { return it.prop.Definition }},
		{"description", false, func(_ *request, it *item) any { return it.prop.Description }},
	},
	kFeatureOfInterest: {
		{"name", false, func(_ *request, it *item) any { return placeName(it.dev) }},
		{"description", false, func(_ *request, it *item) any { return placeDescription(it.dev) }},
		{"encodingType", false, func(*request, *item) any { return geoJSON }},
		{"feature", false, func(_ *request, it *item) any { return point(it.dev.Location) }},
	},
}

func propOf(k kind, name string) (propDef, bool) {
	for _, p := range props[k] {
		if p.name == name {
			return p, true
		}
	}
	return propDef{}, false
}

func hasProperty(k kind, name string) bool {
	_, ok := propOf(k, name)
	return ok
}

// thingProperties are the Thing's free-form properties: what a reuser of open data needs
// to know about the device (its DevEUI, owner, licence and firmware profile).
func thingProperties(d *devices.Device) object {
	o := object{{"devEui", d.DevEUI}}
	if d.Owner != "" {
		o = append(o, field{"owner", d.Owner})
	}
	o = append(o, field{"licence", d.Licence}, field{"profile", d.Profile})
	if d.Firmware != "" {
		o = append(o, field{"firmware", d.Firmware})
	}
	if len(d.Tags) > 0 {
		tags := make(object, 0, len(d.Tags))
		for _, k := range slices.Sorted(maps.Keys(d.Tags)) {
			tags = append(tags, field{k, d.Tags[k]})
		}
		o = append(o, field{"tags", tags})
	}
	return o
}

func placeName(d *devices.Device) string {
	if d.Location != nil && d.Location.Name != "" {
		return d.Location.Name
	}
	return d.Name
}

func placeDescription(d *devices.Device) string { return "Where " + d.Name + " is installed" }

// point is a GeoJSON Point (RFC 7946 §3.1.2): longitude first, altitude when known.
func point(l *devices.Location) object {
	coords := []float64{l.Longitude, l.Latitude}
	if l.Altitude != 0 {
		coords = append(coords, l.Altitude)
	}
	return object{{"type", "Point"}, {"coordinates", coords}}
}

func locationTime(d *devices.Device) time.Time {
	if !d.LocationTime.IsZero() {
		return d.LocationTime
	}
	return d.Created
}

func unit(u model.Unit) object {
	return object{{"name", u.Name}, {"symbol", u.Symbol}, {"definition", u.Definition}}
}

// sensorEncoding is the Sensor's encodingType (18-088 Table 15): its metadata is a
// datasheet, a PDF when the URL says so, a web page otherwise.
func sensorEncoding(metadata string) string {
	if strings.HasSuffix(strings.ToLower(metadata), ".pdf") {
		return "application/pdf"
	}
	return "text/html"
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// member returns the value of key in an object property, for paths such as
// properties/owner or unitOfMeasurement/symbol.
func member(v any, key string) (any, bool) {
	o, ok := v.(object)
	if !ok {
		return nil, false
	}
	for _, f := range o {
		if f.k == key {
			return f.v, true
		}
	}
	return nil, false
}

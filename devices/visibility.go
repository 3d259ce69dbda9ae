package devices

import "github.com/vindel-hub/vindel/internal/model"

// Visible decides whether a device and everything that hangs off it (its Datastreams, their
// Observations, its location) may appear in an open output. It is the one place that decides;
// every read path gets its data through PublicView, which calls it.
func Visible(d *Device) bool {
	return d != nil && d.Public
}

// PublicView returns the part of all that open outputs may show: visible devices, their
// Datastreams, and the Sensors and ObservedProperties those Datastreams use.
func PublicView(all *Snapshot) *Snapshot {
	var devs []*Device
	for _, d := range all.Devices {
		if Visible(d) {
			devs = append(devs, d)
		}
	}

	usedSensor := map[int64]bool{}
	usedProp := map[int64]bool{}
	var streams []*model.Datastream
	for _, ds := range all.Datastreams {
		if d, ok := all.Device(ds.ThingID); ok && Visible(d) {
			streams = append(streams, ds)
			usedSensor[ds.SensorID] = true
			usedProp[ds.ObservedPropertyID] = true
		}
	}

	var sensors []*model.Sensor
	for _, x := range all.Sensors {
		if usedSensor[x.ID] {
			sensors = append(sensors, x)
		}
	}
	var props []*model.ObservedProperty
	for _, p := range all.Properties {
		if usedProp[p.ID] {
			props = append(props, p)
		}
	}
	return NewSnapshot(devs, sensors, props, streams)
}

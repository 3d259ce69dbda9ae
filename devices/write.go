package devices

import (
	"context"
	"fmt"
	"strings"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/model"
)

// DefaultLicence is the licence of a device registered without one: CC0, the licence Swedish
// open-data guidance recommends for sensor data.
const DefaultLicence = "CC0-1.0"

// normalize checks d and fills defaults. It returns an error wrapping ErrInvalid.
func normalize(d *Device) error {
	eui, err := ingest.NormalizeDevEUI(d.DevEUI)
	if err != nil {
		return fmt.Errorf("%w: devEui %q is not 16 hex digits (0-9, a-f; ':', '-' or spaces "+
			"may separate them)", ErrInvalid, d.DevEUI)
	}
	d.DevEUI = eui
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		d.Name = eui
	}
	if d.Profile == "" {
		return fmt.Errorf("%w: profile is required (vendor/model, see /api/v1/profiles)", ErrInvalid)
	}
	if d.Licence == "" {
		d.Licence = DefaultLicence
	}
	if !spdxLike(d.Licence) {
		return fmt.Errorf("%w: licence %q is not an SPDX identifier such as CC0-1.0 or CC-BY-4.0",
			ErrInvalid, d.Licence)
	}
	if l := d.Location; l != nil {
		if l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180 {
			return fmt.Errorf("%w: location %v,%v is not WGS 84 latitude,longitude",
				ErrInvalid, l.Latitude, l.Longitude)
		}
	}
	return nil
}

// Create registers a new device and returns it with its id.
func (r *Registry) Create(ctx context.Context, d Device) (Device, error) {
	if err := normalize(&d); err != nil {
		return Device{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.devices {
		if x.DevEUI == d.DevEUI {
			return Device{}, fmt.Errorf("%w: %s", ErrExists, d.DevEUI)
		}
	}

	d.Created, d.Updated = now(), now()
	if d.Location != nil {
		d.LocationTime = d.Created
	}
	res, err := r.db.ExecContext(ctx, "INSERT INTO devices (dev_eui, doc) VALUES (?, '{}')", d.DevEUI)
	if err != nil {
		return Device{}, fmt.Errorf("devices: insert %s: %w", d.DevEUI, err)
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return Device{}, fmt.Errorf("devices: insert %s: %w", d.DevEUI, err)
	}
	if err := r.saveDevice(ctx, &d); err != nil {
		return Device{}, err
	}
	r.devices[d.ID] = &d
	r.all.Store(r.all.Load().WithDevice(&d))
	if Visible(&d) {
		r.public.Store(r.public.Load().WithDevice(&d))
	}
	return d, nil
}

// Update replaces the registered fields of the device with DevEUI eui by those of d. The id,
// DevEUI and creation time stay; the location time moves when the location changes.
func (r *Registry) Update(ctx context.Context, eui string, d Device) (Device, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, err := r.byEUI(eui)
	if err != nil {
		return Device{}, err
	}
	d.ID, d.DevEUI, d.Created, d.LocationTime = old.ID, old.DevEUI, old.Created, old.LocationTime
	if err := normalize(&d); err != nil {
		return Device{}, err
	}
	d.Updated = now()
	if !sameLocation(old.Location, d.Location) {
		d.LocationTime = d.Updated
	}
	if err := r.saveDevice(ctx, &d); err != nil {
		return Device{}, err
	}
	r.devices[d.ID] = &d
	r.publish()
	return d, nil
}

// Delete removes a device and its Datastreams from the registry. Its Observations stay in the
// store, unreachable from any output, so that re-registering cannot expose them by accident.
func (r *Registry) Delete(ctx context.Context, eui string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.byEUI(eui)
	if err != nil {
		return err
	}
	if _, err := r.db.ExecContext(ctx, "DELETE FROM datastreams WHERE thing_id = ?", d.ID); err != nil {
		return fmt.Errorf("devices: delete datastreams of %s: %w", eui, err)
	}
	if _, err := r.db.ExecContext(ctx, "DELETE FROM devices WHERE id = ?", d.ID); err != nil {
		return fmt.Errorf("devices: delete %s: %w", eui, err)
	}

	delete(r.devices, d.ID)
	r.dsMu.Lock()
	for id, ds := range r.streams {
		if ds.ThingID == d.ID {
			delete(r.streams, id)
			delete(r.dsCache, dsKey{ds.ThingID, ds.SensorID, ds.Property})
		}
	}
	r.dsMu.Unlock()
	r.publish()
	return nil
}

func (r *Registry) byEUI(eui string) (*Device, error) {
	norm, err := ingest.NormalizeDevEUI(eui)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for _, d := range r.devices {
		if d.DevEUI == norm {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, norm)
}

func (r *Registry) saveDevice(ctx context.Context, d *Device) error {
	doc, err := marshalDoc(d)
	if err != nil {
		return err
	}
	if _, err := r.db.ExecContext(ctx, "UPDATE devices SET doc = ? WHERE id = ?", doc, d.ID); err != nil {
		return fmt.Errorf("devices: save %s: %w", d.DevEUI, err)
	}
	return nil
}

func sameLocation(a, b *Location) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Datastream returns the Datastream of a device for one property of one Sensor, creating it
// (and the Sensor and ObservedProperty) on first sight. The hot path is a map lookup.
func (r *Registry) Datastream(ctx context.Context, d *Device, sensor model.Sensor,
	prop model.ObservedProperty, proto model.Datastream) (*model.Datastream, error) {
	sensorID, ok := r.sensorID(sensor.Key)
	if ok {
		r.dsMu.RLock()
		ds := r.dsCache[dsKey{d.ID, sensorID, prop.Name}]
		r.dsMu.RUnlock()
		if ds != nil {
			return ds, nil
		}
	}
	return r.createDatastream(ctx, d, sensor, prop, proto)
}

// spdxLike reports whether s has the shape of an SPDX licence identifier or expression
// ("CC-BY-4.0", "CC0-1.0 OR ODbL-1.0"; SPDX 2.3 annex D): identifiers of letters, digits,
// '.', '-' and '+', joined by AND, OR or WITH, with parentheses; at most 64 bytes. "CC BY",
// two identifiers with no operator, is not one.
func spdxLike(s string) bool {
	if len(s) > 64 {
		return false
	}
	words := strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(s))
	if len(words)%2 == 0 {
		return false
	}
	for i, w := range words {
		operator := w == "AND" || w == "OR" || w == "WITH"
		if operator != (i%2 == 1) {
			return false
		}
		for _, c := range w {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				strings.ContainsRune(".-+", c)) {
				return false
			}
		}
	}
	return true
}

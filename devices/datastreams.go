package devices

import (
	"context"
	"fmt"
	"strings"

	"github.com/vindel-hub/vindel/internal/model"
)

func (r *Registry) sensorID(key string) (int64, bool) {
	r.dsMu.RLock()
	defer r.dsMu.RUnlock()
	id, ok := r.sensorKeys[key]
	return id, ok
}

// createDatastream is the slow path of Datastream: under the writer lock it finds or inserts
// the Sensor, the ObservedProperty and the Datastream, then republishes the snapshots.
func (r *Registry) createDatastream(ctx context.Context, d *Device, sensor model.Sensor,
	prop model.ObservedProperty, proto model.Datastream) (*model.Datastream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.devices[d.ID]; !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, d.DevEUI)
	}

	sensorID, err := r.ensureSensor(ctx, sensor)
	if err != nil {
		return nil, err
	}
	key := dsKey{d.ID, sensorID, prop.Name}
	r.dsMu.RLock()
	ds := r.dsCache[key]
	r.dsMu.RUnlock()
	if ds != nil {
		return ds, nil
	}
	propID, err := r.ensureProperty(ctx, prop)
	if err != nil {
		return nil, err
	}

	ds = &proto
	ds.ThingID, ds.DevEUI, ds.SensorID = d.ID, d.DevEUI, sensorID
	ds.ObservedPropertyID, ds.Property, ds.Created = propID, prop.Name, now()
	if ds.Name == "" {
		ds.Name = d.Name + ": " + strings.ReplaceAll(prop.Name, "_", " ")
	}
	if ds.Description == "" {
		ds.Description = prop.Description
	}
	res, err := r.db.ExecContext(ctx, "INSERT INTO datastreams (thing_id, sensor_id, property_id, doc) "+
		"VALUES (?, ?, ?, '{}')", ds.ThingID, sensorID, propID)
	if err != nil {
		return nil, fmt.Errorf("devices: insert datastream %s/%s: %w", d.DevEUI, prop.Name, err)
	}
	if ds.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("devices: insert datastream: %w", err)
	}
	if err := r.saveDoc(ctx, "datastreams", ds.ID, ds); err != nil {
		return nil, err
	}

	r.dsMu.Lock()
	r.streams[ds.ID] = ds
	r.dsCache[key] = ds
	r.dsMu.Unlock()
	r.publishDatastream(ds)
	return ds, nil
}

func (r *Registry) ensureSensor(ctx context.Context, s model.Sensor) (int64, error) {
	if id, ok := r.sensorID(s.Key); ok {
		return id, nil
	}
	id, err := r.insert(ctx, "sensors", "key", s.Key)
	if err != nil {
		return 0, err
	}
	s.ID = id
	if err := r.saveDoc(ctx, "sensors", id, s); err != nil {
		return 0, err
	}
	r.dsMu.Lock()
	r.sensors[id] = &s
	r.sensorKeys[s.Key] = id
	r.dsMu.Unlock()
	r.rebuild = true
	return id, nil
}

func (r *Registry) ensureProperty(ctx context.Context, p model.ObservedProperty) (int64, error) {
	for id, x := range r.props {
		if x.Name == p.Name {
			return id, nil
		}
	}
	id, err := r.insert(ctx, "properties", "name", p.Name)
	if err != nil {
		return 0, err
	}
	p.ID = id
	if err := r.saveDoc(ctx, "properties", id, p); err != nil {
		return 0, err
	}
	r.props[id] = &p
	r.rebuild = true
	return id, nil
}

func (r *Registry) insert(ctx context.Context, table, keyCol, key string) (int64, error) {
	res, err := r.db.ExecContext(ctx,
		"INSERT INTO "+table+" ("+keyCol+", doc) VALUES (?, '{}')", key)
	if err != nil {
		return 0, fmt.Errorf("devices: insert into %s %q: %w", table, key, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("devices: insert into %s %q: %w", table, key, err)
	}
	return id, nil
}

func (r *Registry) saveDoc(ctx context.Context, table string, id int64, v any) error {
	doc, err := marshalDoc(v)
	if err != nil {
		return err
	}
	if _, err := r.db.ExecContext(ctx, "UPDATE "+table+" SET doc = ? WHERE id = ?", doc, id); err != nil {
		return fmt.Errorf("devices: save %s %d: %w", table, id, err)
	}
	return nil
}

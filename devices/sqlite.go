package devices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

const schema = `
CREATE TABLE IF NOT EXISTS devices (
	id INTEGER PRIMARY KEY,
	dev_eui TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sensors (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS properties (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS datastreams (
	id INTEGER PRIMARY KEY,
	thing_id INTEGER NOT NULL,
	sensor_id INTEGER NOT NULL REFERENCES sensors(id),
	property_id INTEGER NOT NULL REFERENCES properties(id),
	doc TEXT NOT NULL,
	UNIQUE (thing_id, sensor_id, property_id)
);`

// Rows keep the entity as a JSON document beside the columns that are keys: the registry
// holds every entity in memory, so SQLite only needs to find rows by key and persist them.

func (r *Registry) load(ctx context.Context) error {
	r.devices = map[int64]*Device{}
	r.sensors = map[int64]*model.Sensor{}
	r.props = map[int64]*model.ObservedProperty{}
	r.streams = map[int64]*model.Datastream{}

	if err := loadTable(ctx, r.db, "devices", func(id int64, doc []byte) error {
		d := &Device{}
		r.devices[id] = d
		return json.Unmarshal(doc, d)
	}); err != nil {
		return err
	}
	if err := loadTable(ctx, r.db, "sensors", func(id int64, doc []byte) error {
		x := &model.Sensor{}
		r.sensors[id] = x
		if err := json.Unmarshal(doc, x); err != nil {
			return err
		}
		r.sensorKeys[x.Key] = id
		return nil
	}); err != nil {
		return err
	}
	if err := loadTable(ctx, r.db, "properties", func(id int64, doc []byte) error {
		p := &model.ObservedProperty{}
		r.props[id] = p
		return json.Unmarshal(doc, p)
	}); err != nil {
		return err
	}
	return loadTable(ctx, r.db, "datastreams", func(id int64, doc []byte) error {
		ds := &model.Datastream{}
		if err := json.Unmarshal(doc, ds); err != nil {
			return err
		}
		r.streams[id] = ds
		r.dsCache[dsKey{ds.ThingID, ds.SensorID, ds.Property}] = ds
		return nil
	})
}

func loadTable(ctx context.Context, db *sql.DB, table string, row func(int64, []byte) error) error {
	rows, err := db.QueryContext(ctx, "SELECT id, doc FROM "+table+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("devices: read %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return fmt.Errorf("devices: read %s: %w", table, err)
		}
		if err := row(id, doc); err != nil {
			return fmt.Errorf("devices: decode %s row %d: %w", table, id, err)
		}
	}
	return rows.Err()
}

// snapshot copies the in-memory tables into a new Snapshot, each slice sorted by id.
func (r *Registry) snapshot() *Snapshot {
	devs := sortedValues(r.devices, func(d *Device) int64 { return d.ID })
	sensors := sortedValues(r.sensors, func(s *model.Sensor) int64 { return s.ID })
	props := sortedValues(r.props, func(p *model.ObservedProperty) int64 { return p.ID })
	streams := sortedValues(r.streams, func(d *model.Datastream) int64 { return d.ID })
	return NewSnapshot(devs, sensors, props, streams)
}

func sortedValues[T any](m map[int64]*T, id func(*T) int64) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return id(out[i]) < id(out[j]) })
	return out
}

func marshalDoc(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("devices: encode: %w", err)
	}
	return b, nil
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

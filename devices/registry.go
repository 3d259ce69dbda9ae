package devices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // the embedded SQL engine, pure Go

	"github.com/vindel-hub/vindel/internal/model"
)

// Errors a caller branches on; the REST API maps them to HTTP status codes.
var (
	ErrNotFound = errors.New("device not found")
	ErrExists   = errors.New("device already registered")
	ErrInvalid  = errors.New("invalid device")
)

// Registry is the embedded device registry: SQLite on disk, every entity also held in memory
// and published as immutable Snapshots, so readers never touch the database.
type Registry struct {
	db  *sql.DB
	log *slog.Logger

	mu      sync.Mutex // serialises writers; readers use the snapshots
	devices map[int64]*Device
	sensors map[int64]*model.Sensor
	props   map[int64]*model.ObservedProperty
	streams map[int64]*model.Datastream

	all    atomic.Pointer[Snapshot]
	public atomic.Pointer[Snapshot]

	// dsCache finds a Datastream by (thing, sensor, property) on the ingest hot path.
	dsMu       sync.RWMutex
	dsCache    map[dsKey]*model.Datastream
	sensorKeys map[string]int64
	// rebuild is set when a Sensor or ObservedProperty was added since the last full
	// publish: the next snapshot must be rebuilt, not grown.
	rebuild bool
}

type dsKey struct {
	thing, sensor int64
	property      string
}

// Open opens (creating if needed) the registry database at path.
func Open(ctx context.Context, path string, log *slog.Logger) (*Registry, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("devices: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; all reads are served from memory
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("devices: create schema in %s: %w", path, err)
	}

	r := &Registry{db: db, log: log, dsCache: map[dsKey]*model.Datastream{},
		sensorKeys: map[string]int64{}}
	if err := r.load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	r.publish()
	return r, nil
}

// Close closes the database.
func (r *Registry) Close() error { return r.db.Close() }

// All returns a snapshot of everything, private devices included. Only the ingest path and the
// admin API use it; open outputs use Public.
func (r *Registry) All() *Snapshot { return r.all.Load() }

// Public returns the snapshot that open outputs may show (see PublicView).
func (r *Registry) Public() *Snapshot { return r.public.Load() }

// publishDatastream adds a new Datastream to the snapshots without rebuilding them, so that
// a cold start creating a hundred thousand Datastreams costs linear time, not quadratic.
// Callers hold r.mu.
func (r *Registry) publishDatastream(ds *model.Datastream) {
	if r.rebuild {
		r.rebuild = false
		r.publish()
		return
	}
	r.all.Store(r.all.Load().WithDatastream(ds))
	pub := r.public.Load()
	dev, visible := pub.Device(ds.ThingID)
	if !visible || !Visible(dev) {
		return
	}
	_, hasSensor := pub.Sensor(ds.SensorID)
	_, hasProp := pub.Property(ds.ObservedPropertyID)
	if !hasSensor || !hasProp {
		r.public.Store(PublicView(r.all.Load()))
		return
	}
	r.public.Store(pub.WithDatastream(ds))
}

// publish rebuilds the snapshots from the in-memory tables. Callers hold r.mu (or are Open).
func (r *Registry) publish() {
	all := r.snapshot()
	r.all.Store(all)
	r.public.Store(PublicView(all))
}

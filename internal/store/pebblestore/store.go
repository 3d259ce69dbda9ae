package pebblestore

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/rawlog"
)

// errClosed is returned by every call after Close.
var errClosed = errors.New("pebblestore: closed")

// Options tune a Store; zero fields take the defaults.
type Options struct {
	// BatchSize is how many Observations the writer groups into one commit (default 1024).
	BatchSize int
	// FlushInterval is how long a partly filled batch waits for more (default 50ms).
	FlushInterval time.Duration
	// Sync makes every commit wait for the disk. Without it a commit survives a crash of the
	// process but not of the machine until the next Flush, which always syncs.
	Sync bool
	// QueueLen is how many Append calls may wait for the writer before Append blocks
	// (default 256).
	QueueLen int
	// Verify recounts every Datastream from its keys on open and repairs the stored counts.
	// It reads the whole series, so it is for recovery, not for every start.
	Verify bool
	// CacheSize is the block cache in bytes (default 32 MiB).
	CacheSize int64
	// HeadSpan is how many IDs the oldest Observation of a Datastream's head may be behind
	// the newest ID before the head is sealed into a chunk (default 131072). It bounds the
	// memory the heads hold and what open reads to rebuild them.
	HeadSpan int
	// IndexSpan is how many uplinks the oldest pending entry of a device's raw uplink index
	// may be behind the newest before it is written into a block (default 65536). It bounds
	// what open reads of the raw log to rebuild the pending entries.
	IndexSpan int
	// RawSegmentSize is the size at which a segment of the raw log is sealed (default
	// rawlog.DefaultSegmentSize); retention deletes whole segments.
	RawSegmentSize int64
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 1024
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 50 * time.Millisecond
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 256
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 32 << 20
	}
	if o.HeadSpan <= 0 {
		o.HeadSpan = 1 << 17
	}
	if o.IndexSpan <= 0 {
		o.IndexSpan = 1 << 16
	}
	return o
}

// Store is a store.Store and store.Archive on Pebble. It is safe for concurrent use.
type Store struct {
	db  *pebble.DB
	opt Options
	log *slog.Logger

	// life guards closed: every call holds it for reading, Close for writing, so the
	// database is never used after it is closed.
	life   sync.RWMutex
	closed bool

	reqs     chan request
	writer   *writer
	unsynced atomic.Bool // a commit since the last sync did not sync

	state state // counts, latest and last ID, updated after each commit

	raw       *rawlog.Log     // the raw uplinks, in dir/raw
	archiveMu sync.Mutex      // orders Keep: sequence numbers commit in order
	seq       uint64          // the last sequence number kept
	dev       devIndex        // the device index not yet in blocks, under archiveMu
	recs      []rawlog.Record // Keep's scratch, under archiveMu
	rawBuf    []byte          // Keep's scratch, under archiveMu
	rawEnds   []int           // Keep's scratch, under archiveMu

	prunedBelow atomic.Uint64 // device blocks below this sequence number are deleted
}

var _ interface {
	store.Store
	store.Archive
} = (*Store)(nil)

// Open opens, or creates, the store kept in dir.
func Open(dir string, opt Options, log *slog.Logger) (*Store, error) {
	return open(dir, opt, log, nil)
}

// open is Open on a given file system, so that tests can simulate a crash; fs nil means
// the real one.
func open(dir string, opt Options, log *slog.Logger, fs vfs.FS) (*Store, error) {
	opt = opt.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "pebblestore")

	cache := pebble.NewCache(opt.CacheSize)
	defer cache.Unref()
	popt := &pebble.Options{
		FS:     fs,
		Cache:  cache,
		Logger: pebbleLogger{log},
		// Larger memtables than Pebble's 4 MiB default let a write burst land in memory;
		// at most two are held, so this bounds the store's write memory to 64 MiB.
		MemTableSize: 32 << 20,
		// Bloom filters let Get and the duplicate check skip tables without the ID.
		Levels: []pebble.LevelOptions{{FilterPolicy: bloom.FilterPolicy(10)}},
	}
	db, err := pebble.Open(dir, popt)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	if fs == nil {
		fs = vfs.Default
	}
	raw, err := rawlog.Open(fs, fs.PathJoin(dir, "raw"),
		rawlog.Options{SegmentSize: opt.RawSegmentSize}, log)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("pebblestore: %w", err), db.Close())
	}

	s := &Store{db: db, opt: opt, log: log, reqs: make(chan request, opt.QueueLen), raw: raw}
	marks, err := s.load()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("pebblestore: load %s: %w", dir, err), raw.Close(),
			db.Close())
	}
	s.writer = newWriter(s, marks)
	go s.writer.run()
	log.Info("store opened", "dir", dir, "datastreams", len(s.state.counts),
		"in_heads", s.headLen(),
		"last_id", s.state.lastID, "last_seq", s.seq)
	return s, nil
}

// Health returns the failure that stopped the store taking writes, of its Observations or
// of its raw log, or nil; /readyz reports it, since a hub that cannot write acknowledges
// nothing.
func (s *Store) Health() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	return errors.Join(s.writer.failure(), s.raw.Err())
}

// writeOptions returns the commit options: synced when Options.Sync or when forced.
func (s *Store) writeOptions(forceSync bool) *pebble.WriteOptions {
	if s.opt.Sync || forceSync {
		return pebble.Sync
	}
	return pebble.NoSync
}

// enter takes the read side of life; the caller must call s.life.RUnlock when it is nil.
func (s *Store) enter() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return errClosed
	}
	return nil
}

// Close commits and syncs everything appended, stops the writer and closes the database.
// A second Close does nothing.
func (s *Store) Close() error {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.life.Unlock()

	werr := s.writer.wait()
	if err := errors.Join(s.raw.Close(), s.db.Close()); err != nil {
		return errors.Join(werr, fmt.Errorf("pebblestore: close: %w", err))
	}
	s.log.Info("store closed")
	return werr
}

// pebbleLogger sends Pebble's own messages to the injected logger. Pebble logs every flush
// and compaction, so Infof goes to Debug.
type pebbleLogger struct{ log *slog.Logger }

// Infof logs a Pebble message at Debug.
func (l pebbleLogger) Infof(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "source", "pebble")
}

// Fatalf logs a Pebble invariant failure at Error and panics: Pebble does not expect it to
// return.
func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error(msg, "source", "pebble")
	panic("pebble: " + msg)
}

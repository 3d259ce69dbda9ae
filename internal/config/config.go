// Package config reads the hub's configuration: built-in defaults, then an optional YAML file,
// then VINDEL_* environment variables, each overriding the one before.
package config

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. Every key can be set in YAML or by an environment
// variable named VINDEL_ and the key path in upper case joined by "_" (see Env).
type Config struct {
	DataDir     string        `yaml:"data_dir"`     // registry, store and broker state
	AdminKey    string        `yaml:"admin_key"`    // authorises device registration
	ProfilesDir string        `yaml:"profiles_dir"` // empty: the profiles built into the binary
	HTTP        HTTP          `yaml:"http"`
	Broker      Broker        `yaml:"broker"`
	MQTT        []MQTTSource  `yaml:"mqtt"`
	Webhook     Webhook       `yaml:"webhook"`
	Pipeline    Pipeline      `yaml:"pipeline"`
	Archive     Archive       `yaml:"archive"`
	Stream      Stream        `yaml:"stream"`
	Log         Log           `yaml:"log"`
	Shutdown    time.Duration `yaml:"shutdown_timeout"`
}

// HTTP configures the HTTP server.
type HTTP struct {
	Addr    string `yaml:"addr"`
	BaseURL string `yaml:"base_url"` // public URL, e.g. https://data.example.se; empty: from Host
}

// Broker configures the embedded MQTT broker.
type Broker struct {
	Enabled bool   `yaml:"enabled"`
	Addr    string `yaml:"addr"` // MQTT listener
}

// MQTTSource is one MQTT subscription (a network server's integration, or devices directly).
type MQTTSource struct {
	Name        string   `yaml:"name"`
	Broker      string   `yaml:"broker"` // tcp://host:1883, ssl://host:8883
	ClientID    string   `yaml:"client_id"`
	Username    string   `yaml:"username"`
	Password    string   `yaml:"password"`
	Topics      []string `yaml:"topics"`
	Dialect     string   `yaml:"dialect"` // empty: detect per message
	QoS         int      `yaml:"qos"`
	SharedGroup string   `yaml:"shared_group"`
}

// Webhook configures the HTTP ingest endpoints.
type Webhook struct {
	Enabled bool   `yaml:"enabled"`
	Token   string `yaml:"token"` // shared secret; the endpoints are off while it is empty
}

// Pipeline tunes the data path.
type Pipeline struct {
	Workers        int           `yaml:"workers"`
	Queue          int           `yaml:"queue"`
	DedupWindow    time.Duration `yaml:"dedup_window"`
	DedupTolerance time.Duration `yaml:"dedup_tolerance"`
}

// Archive configures the raw uplink archive.
type Archive struct {
	// Retention is how long raw uplinks are kept; 0 keeps them for ever. They go a whole
	// log segment (64 MiB) at a time; their Observations stay.
	Retention time.Duration `yaml:"retention"`
	// SegmentSize is the size of a raw log segment in bytes (0: 64 MiB); retention deletes
	// whole segments, so smaller ones follow the limit more closely.
	SegmentSize int `yaml:"segment_size"`
}

// Stream tunes the live stream.
type Stream struct {
	Buffer      int `yaml:"buffer"`
	ClientQueue int `yaml:"client_queue"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json, or auto: text on a terminal, JSON otherwise
}

// DefaultShutdown is shutdown_timeout when none is set.
const DefaultShutdown = 30 * time.Second

// Default returns the configuration of a hub run with no file: everything embedded, on
// loopback for the broker and :8080 for HTTP.
func Default() Config {
	return Config{
		DataDir:  "./data",
		HTTP:     HTTP{Addr: ":8080"},
		Broker:   Broker{Enabled: true, Addr: "127.0.0.1:1883"},
		Webhook:  Webhook{Enabled: true},
		Pipeline: Pipeline{DedupWindow: time.Hour, DedupTolerance: 2 * time.Minute},
		Log:      Log{Level: "info", Format: "auto"},
		Shutdown: DefaultShutdown,
	}
}

// Load returns the defaults overridden by the YAML file at path (when path is not empty) and
// then by the environment.
func Load(path string, environ []string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(&c, environ); err != nil {
		return Config{}, err
	}
	if err := c.check(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// check refuses the values no key can mean: negative sizes and durations. Zero means the
// built-in default for each of them.
func (c *Config) check() error {
	durations := []struct {
		key string
		d   time.Duration
	}{
		{"shutdown_timeout", c.Shutdown}, {"pipeline.dedup_window", c.Pipeline.DedupWindow},
		{"pipeline.dedup_tolerance", c.Pipeline.DedupTolerance},
		{"archive.retention", c.Archive.Retention},
	}
	for _, v := range durations {
		if v.d < 0 {
			return fmt.Errorf("config: %s %v: negative", v.key, v.d)
		}
	}
	sizes := []struct {
		key string
		n   int
	}{
		{"pipeline.workers", c.Pipeline.Workers}, {"pipeline.queue", c.Pipeline.Queue},
		{"stream.buffer", c.Stream.Buffer}, {"stream.client_queue", c.Stream.ClientQueue},
		{"archive.segment_size", c.Archive.SegmentSize},
	}
	for _, v := range sizes {
		if v.n < 0 {
			return fmt.Errorf("config: %s %d: negative", v.key, v.n)
		}
	}
	return nil
}

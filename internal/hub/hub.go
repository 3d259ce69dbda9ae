// Package hub assembles a running Vindel from its configuration: broker, sources, pipeline,
// registry, store, stream and the HTTP outputs, and shuts them down in order.
package hub

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vindel-hub/vindel/devices"
	firmwareprofiles "github.com/vindel-hub/vindel/firmware-profiles"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/broker"
	"github.com/vindel-hub/vindel/ingest/mqttsub"
	"github.com/vindel-hub/vindel/internal/codec/builtin"
	"github.com/vindel-hub/vindel/internal/config"
	"github.com/vindel-hub/vindel/internal/metrics"
	"github.com/vindel-hub/vindel/internal/pipeline"
	"github.com/vindel-hub/vindel/internal/profile"
	"github.com/vindel-hub/vindel/internal/store/pebblestore"
	"github.com/vindel-hub/vindel/stream"
)

// Hub is one running Vindel.
type Hub struct {
	cfg      config.Config
	log      *slog.Logger
	metrics  *metrics.Metrics
	profiles *profile.Set
	registry *devices.Registry
	store    *pebblestore.Store
	broker   *broker.Broker // nil when the embedded broker is off
	stream   *stream.Hub
	pipeline *pipeline.Pipeline
	sources  []*mqttsub.Source
	listener net.Listener
	server   *http.Server
}

// New builds every part of the hub from cfg, opening its files and listeners. Nothing runs
// until Run. On error, whatever was opened is closed again.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Hub, error) {
	h := &Hub{cfg: cfg, log: log, metrics: metrics.New()}
	if err := h.build(ctx); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *Hub) build(ctx context.Context) (err error) {
	cfg, log := h.cfg, h.log
	if err = checkSources(cfg.MQTT); err != nil {
		return err
	}
	window := pipeline.EffectiveDedupWindow(cfg.Pipeline.DedupWindow)
	if err = checkRetention(cfg.Archive.Retention, window); err != nil {
		return err
	}
	if err = os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("hub: data dir: %w", err)
	}
	if h.profiles, err = LoadProfiles(cfg.ProfilesDir); err != nil {
		return err
	}
	if h.registry, err = devices.Open(ctx, h.path("registry.db"), log.With("component", "devices")); err != nil {
		return err
	}
	if h.store, err = pebblestore.Open(h.path("series"),
		pebblestore.Options{RawSegmentSize: int64(cfg.Archive.SegmentSize)}, log); err != nil {
		return fmt.Errorf("hub: is another hub running on data_dir %s? %w", cfg.DataDir, err)
	}
	if cfg.Broker.Enabled {
		// A QoS 1 message the hub did not acknowledge (it stopped first) comes again after
		// AckWait; nats-server's 30 s default is long for a hub that restarts in seconds.
		h.broker, err = broker.Start(broker.Config{MQTTAddr: cfg.Broker.Addr, DataDir: h.path("broker"),
			AckWait: 10 * time.Second}, log)
		if err != nil {
			return err
		}
	}
	h.stream = stream.New(h.registry, h.store, h.metrics, log.With("component", "stream"),
		stream.Options{Buffer: cfg.Stream.Buffer, ClientQueue: cfg.Stream.ClientQueue})

	h.pipeline, err = pipeline.New(ctx, pipeline.Deps{
		Registry: h.registry, Profiles: h.profiles, Store: h.store, Archive: h.store,
		Stream: h.stream, Metrics: h.metrics, Log: log.With("component", "pipeline"),
	}, pipeline.Options{Workers: cfg.Pipeline.Workers, Queue: cfg.Pipeline.Queue,
		DedupWindow: cfg.Pipeline.DedupWindow, DedupTolerance: cfg.Pipeline.DedupTolerance})
	if err != nil {
		return err
	}
	if err := h.buildSources(); err != nil {
		return err
	}
	if h.listener, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
		return fmt.Errorf("hub: http: %w", err)
	}
	h.server = &http.Server{Handler: h.routes(), ReadHeaderTimeout: 10 * time.Second}
	return nil
}

func (h *Hub) path(name string) string { return filepath.Join(h.cfg.DataDir, name) }

// LoadProfiles reads the firmware profiles from dir, or the ones built into the binary when
// dir is empty, with the built-in decoders.
func LoadProfiles(dir string) (*profile.Set, error) {
	var fsys fs.FS = firmwareprofiles.FS
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	return profile.Load(fsys, builtin.Decoders())
}

// buildSources creates the configured MQTT subscriptions; with none configured and the
// embedded broker on, one subscription to the embedded broker with the default topics.
func (h *Hub) buildSources() error {
	srcs := h.cfg.MQTT
	if len(srcs) == 0 && h.broker != nil {
		srcs = []config.MQTTSource{{Name: "embedded", Broker: h.broker.MQTTURL()}}
	}
	for i, c := range srcs {
		s, err := mqttsub.New(sourceConfig(c, i), h.pipeline, h.metrics,
			h.log.With("component", "mqtt"))
		if err != nil {
			return fmt.Errorf("hub: mqtt source %q: %w", sourceName(c, i), err)
		}
		h.sources = append(h.sources, s)
	}
	return nil
}

// sourceConfig is the i-th configured MQTT source as mqttsub takes it.
func sourceConfig(c config.MQTTSource, i int) mqttsub.Config {
	return mqttsub.Config{
		Name: sourceName(c, i), Broker: c.Broker, ClientID: c.ClientID, Username: c.Username,
		Password: c.Password, Topics: c.Topics, QoS: byte(c.QoS),
		Dialect: ingest.Dialect(c.Dialect), SharedGroup: c.SharedGroup,
	}
}

// checkSources reports the first configured MQTT source that could not start, before
// anything is opened.
func checkSources(srcs []config.MQTTSource) error {
	for i, c := range srcs {
		name := sourceName(c, i)
		if err := sourceConfig(c, i).Check(); err != nil {
			return fmt.Errorf("hub: mqtt source %q: %w", name, err)
		}
		if slices.Contains(reservedSources, name) {
			return fmt.Errorf("hub: mqtt source %q: the name is the hub's own; choose another",
				name)
		}
	}
	return nil
}

// reservedSources are the source names of the hub's own ingest, which metrics and the
// archive tell apart from configured sources by name.
var reservedSources = []string{webhookChirpStack, webhookTTS, pipeline.RedecodeSource}

// The webhooks' source names.
const (
	webhookChirpStack = "http-chirpstack"
	webhookTTS        = "http-tts"
)

// Addr is the address the HTTP server listens on.
func (h *Hub) Addr() string { return h.listener.Addr().String() }

// Registry is the hub's device registry.
func (h *Hub) Registry() *devices.Registry { return h.registry }

// Profiles is the loaded set of firmware profiles.
func (h *Hub) Profiles() *profile.Set { return h.profiles }

// Package metrics holds the hub's Prometheus collectors. One Metrics is built per hub and
// handed to each part; nothing is registered globally.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the hub's collectors, registered on their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	// Uplinks counts uplinks by source and outcome (decoded, unknown_device, decode_error,
	// duplicate, malformed, no_profile).
	Uplinks *prometheus.CounterVec
	// DecodeSeconds observes the time to decode one uplink, by decoder.
	DecodeSeconds *prometheus.HistogramVec
	// StoreSeconds observes the time to write one batch of Observations.
	StoreSeconds prometheus.Histogram
	// Observations counts Observations stored.
	Observations prometheus.Counter
	// StoreErrors counts failed writes to the store.
	StoreErrors prometheus.Counter
	// StreamClients is the number of connected stream clients, by transport.
	StreamClients *prometheus.GaugeVec
	// StreamDropped counts stream clients closed for falling behind.
	StreamDropped prometheus.Counter
	// SourceUp is 1 while an ingest source is connected, by source.
	SourceUp *prometheus.GaugeVec
	// RawSegmentsDeleted counts raw log segments deleted past archive.retention.
	RawSegmentsDeleted prometheus.Counter
}

// New builds the collectors on a fresh registry, with the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Uplinks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vindel_uplinks_total", Help: "Uplinks received, by source and outcome.",
		}, []string{"source", "outcome"}),
		DecodeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vindel_decode_seconds",
			Help:    "Time to decode one uplink, by decoder.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10),
		}, []string{"decoder"}),
		StoreSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vindel_store_write_seconds",
			Help:    "Time to write one batch of Observations to the store.",
			Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10),
		}),
		Observations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vindel_observations_stored_total", Help: "Observations written to the store.",
		}),
		StoreErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vindel_store_errors_total", Help: "Failed writes to the store.",
		}),
		StreamClients: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vindel_stream_clients", Help: "Connected stream clients, by transport.",
		}, []string{"transport"}),
		StreamDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vindel_stream_slow_clients_closed_total",
			Help: "Stream clients closed because they could not keep up.",
		}),
		SourceUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vindel_source_up", Help: "1 while an ingest source is connected.",
		}, []string{"source"}),
		RawSegmentsDeleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vindel_raw_segments_deleted_total",
			Help: "Raw uplink log segments deleted past archive.retention.",
		}),
	}
	m.Registry.MustRegister(m.Uplinks, m.DecodeSeconds, m.StoreSeconds, m.Observations,
		m.StoreErrors, m.StreamClients, m.StreamDropped, m.SourceUp, m.RawSegmentsDeleted,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

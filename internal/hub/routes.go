package hub

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/webhook"
	"github.com/vindel-hub/vindel/internal/sensorthings"
	"github.com/vindel-hub/vindel/internal/web"
)

// routes is the hub's whole HTTP surface.
func (h *Hub) routes() http.Handler {
	mux := http.NewServeMux()
	log := h.log.With("component", "http")

	base := strings.TrimSuffix(h.cfg.HTTP.BaseURL, "/")
	staBase := ""
	if base != "" {
		staBase = base + "/v1.1"
	}
	sta := sensorthings.New(h.registry, h.store, sensorthings.Options{BaseURL: staBase},
		log.With("api", "sensorthings"))
	mux.Handle("/v1.1/", http.StripPrefix("/v1.1", sta))
	mux.Handle("/v1.1", http.StripPrefix("/v1.1", sta))

	mux.Handle("/v1/stream", h.stream.WebSocket())
	mux.Handle("/v1/stream/sse", h.stream.SSE())

	devices.NewAPI(h.registry, devices.APIOptions{
		AdminKey: h.cfg.AdminKey, Archive: h.store, Redecoder: h.pipeline,
		HasProfile: func(id, fw string) bool { _, ok := h.profiles.Select(id, fw); return ok },
	}, log.With("api", "devices")).Register(mux)
	mux.HandleFunc("GET /api/v1/profiles", h.listProfiles)

	switch {
	case h.cfg.Webhook.Enabled && h.cfg.Webhook.Token == "":
		// An open webhook would let anyone who can reach the hub write into its open data.
		log.Info("webhook endpoints are off until webhook.token is set")
	case h.cfg.Webhook.Enabled:
		opt := webhook.Options{Token: h.cfg.Webhook.Token}
		mux.Handle("/ingest/chirpstack", webhook.New(webhookChirpStack, h.pipeline,
			log.With("api", "webhook"), opt))
		tts := opt
		tts.Dialect = ingest.DialectTTS
		mux.Handle("/ingest/tts/", webhook.New(webhookTTS, h.pipeline, log.With("api", "webhook"), tts))
	}

	mux.Handle("GET /metrics", h.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeStatus(w, nil) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, h.ready(r.Context()))
	})
	mux.Handle("/", web.New(h.registry, h.store, log.With("api", "web")))
	return mux
}

// profileView is a firmware profile as /api/v1/profiles lists it.
type profileView struct {
	ID       string   `json:"id"`
	Firmware []string `json:"firmware"`
	Name     string   `json:"name"`
	Decoder  string   `json:"decoder"`
	Fields   []string `json:"properties"`
}

func (h *Hub) listProfiles(w http.ResponseWriter, r *http.Request) {
	var out []profileView
	for _, p := range h.profiles.All() {
		v := profileView{ID: p.ID(), Firmware: p.Firmware, Name: p.Name, Decoder: p.DecoderName}
		for _, f := range p.Fields {
			v.Fields = append(v.Fields, f.Property)
		}
		out = append(out, v)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"profiles": out})
}

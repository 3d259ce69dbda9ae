// Package web serves the hub's own page at /: the public devices with each Datastream's
// latest value, rendered on the server so it works without JavaScript, and a small script
// that keeps the values current from the live stream.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/store"
)

//go:embed assets/page.html assets/style.css assets/live.js
var assets embed.FS

// page, style and script are the embedded assets, parsed once.
var (
	page   = template.Must(template.ParseFS(assets, "assets/page.html"))
	style  = mustRead("assets/style.css")
	script = mustRead("assets/live.js")
)

// contentSecurityPolicy allows the page's own inline style and script, by hash, and
// connections back to the hub (the WebSocket); nothing else (CSP Level 3, section 6).
var contentSecurityPolicy = "default-src 'none'; style-src " + hashSource(style) +
	"; script-src " + hashSource(script) + "; connect-src 'self' ws: wss:; " +
	"base-uri 'none'; form-action 'none'"

// handler serves the page.
type handler struct {
	cat devices.Catalog
	st  store.Store
	log *slog.Logger
	now func() time.Time
}

// New returns the handler of GET /, listing the devices in cat.Public with the latest
// values st holds. Every other path is answered with 404, so it can be mounted at "/".
func New(cat devices.Catalog, st store.Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{cat: cat, st: st, log: log, now: time.Now}
}

// ServeHTTP renders the page.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}

	data := h.build(r.Context())
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		h.log.Error("web: rendering the page", "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// mustRead returns an embedded asset; the build embeds them, so a miss is a programming error.
func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic("web: " + err.Error())
	}
	return string(b)
}

// hashSource returns the CSP hash source of an inline element's text.
func hashSource(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Package webhook receives the HTTP integrations of network servers: ChirpStack's HTTP
// integration (POST to any path with ?event=up|join|…, JSON or protobuf; ingest/formats.md
// §1.5, §2.1) and TTS webhooks (JSON, one path per message type; §3.3). It turns each POST into
// an ingest.Message for a Sink and leaves parsing to the pipeline.
package webhook

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/vindel-hub/vindel/ingest"
)

// Options tune a webhook handler. The zero value is usable.
type Options struct {
	// MaxBody is the largest body accepted, in bytes; a larger one gets 413. Default 1 MiB.
	MaxBody int64
	// Token, when set, is a shared secret the sender must present as
	// "Authorization: Bearer <Token>" or "X-Vindel-Token: <Token>"; otherwise 401.
	Token string
	// Timeout bounds how long the handler waits for the Sink to take a Message before it
	// answers 503. Default 5 s.
	Timeout time.Duration
	// Dialect, when set, is the envelope format of every body (a TTS webhook sends TTS JSON
	// only); otherwise the pipeline detects it per message.
	Dialect ingest.Dialect
}

// Defaults of Options.
const (
	DefaultMaxBody = 1 << 20
	DefaultTimeout = 5 * time.Second
)

// retryAfter is the Retry-After (RFC 9110 §10.2.3) sent with 503, in seconds. ChirpStack does
// not retry on its own; TTS retries webhooks, and a short hint keeps the backlog moving.
const retryAfter = "1"

type handler struct {
	source string
	sink   ingest.Sink
	log    *slog.Logger
	opt    Options
	warn   *rate.Limiter
	missed atomic.Int64 // warnings suppressed since the last one logged
}

// New returns a handler that turns POSTs into Messages for sink. source names the Messages'
// Source. It answers 202 once the sink took the Message, 503 with Retry-After when the sink
// is busy, 405 for other methods, 401 for a missing or wrong token and 413 for a body over
// Options.MaxBody.
func New(source string, sink ingest.Sink, log *slog.Logger, opt Options) http.Handler {
	if opt.MaxBody <= 0 {
		opt.MaxBody = DefaultMaxBody
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{
		source: source,
		sink:   sink,
		log:    log.With("source", source),
		opt:    opt,
		warn:   rate.NewLimiter(rate.Every(time.Second), 5),
	}
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vindel"`)
		h.refuse(w, r, http.StatusUnauthorized, "bad or missing token")
		return
	}
	body, status := h.readBody(w, r)
	if status != 0 {
		h.refuse(w, r, status, http.StatusText(status))
		return
	}

	// The answer is 2xx only once the hub has kept the body (the sink calls Ack), so a
	// network server that gets one may forget the uplink; on a timeout it retries, and the
	// pipeline drops the copy if the first try was kept after all.
	kept := make(chan struct{})
	var once sync.Once
	m := ingest.Message{
		Source:      h.source,
		Topic:       r.URL.RequestURI(),
		ContentType: r.Header.Get("Content-Type"),
		Event:       eventOf(r),
		Dialect:     h.opt.Dialect,
		Body:        body,
		ArrivedAt:   time.Now().UTC(),
		Ack:         func() { once.Do(func() { close(kept) }) },
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opt.Timeout)
	defer cancel()
	err := h.sink.Handle(ctx, m)
	if err == nil {
		select {
		case <-kept:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	switch {
	case err == nil:
		w.WriteHeader(http.StatusAccepted)
	case errors.Is(err, ingest.ErrBusy), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled):
		w.Header().Set("Retry-After", retryAfter)
		h.refuse(w, r, http.StatusServiceUnavailable, "busy, retry later")
	default:
		h.log.Error("webhook: sink failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// authorized checks the shared secret in constant time.
func (h *handler) authorized(r *http.Request) bool {
	if h.opt.Token == "" {
		return true
	}
	got := r.Header.Get("X-Vindel-Token")
	if got == "" {
		auth := r.Header.Get("Authorization")
		scheme, tok, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		got = strings.TrimSpace(tok)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(h.opt.Token)) == 1
}

// readBody reads the body up to MaxBody, returning a non-zero status when it cannot.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int) {
	if r.ContentLength > h.opt.MaxBody {
		return nil, http.StatusRequestEntityTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opt.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge
	case err != nil:
		return nil, http.StatusBadRequest
	}
	return body, 0
}

// eventOf is the ChirpStack ?event= parameter, else the last path segment: TTS webhooks post
// each message type to its own path (e.g. /tts/uplink), and ingest/envelope knows the names.
func eventOf(r *http.Request) string {
	if ev := r.URL.Query().Get("event"); ev != "" {
		return ev
	}
	p := strings.TrimRight(r.URL.Path, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// refuse answers with status and logs a rate-limited warning: the sender is at fault, and
// one misconfigured sender must not flood the log.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	http.Error(w, msg, status)
	if !h.warn.Allow() {
		h.missed.Add(1)
		return
	}
	h.log.Warn("webhook: request refused", "status", status, "path", r.URL.Path,
		"remote", r.RemoteAddr, "suppressed", h.missed.Swap(0))
}

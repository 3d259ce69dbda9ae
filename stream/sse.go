package stream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// SSE returns the handler of the Server-Sent Events stream, mounted at /v1/stream/sse.
func (h *Hub) SSE() http.Handler { return http.HandlerFunc(h.serveSSE) }

// serveSSE streams events to one EventSource client (HTML Living Standard, section 9.2).
func (h *Hub) serveSSE(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	sub, err := sseSubscription(r)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(encodeError(codeBadRequest, err.Error(), nil))
		return
	}
	if err := h.begin(transportSSE); err != nil {
		http.Error(w, "the stream is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.end(transportSSE)

	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no") // keep reverse proxies such as nginx from buffering
	w.WriteHeader(http.StatusOK)
	s := &sseSink{w: w, rc: http.NewResponseController(w), timeout: h.opt.WriteTimeout}
	if err := s.flush(); err != nil {
		h.log.Debug("stream: sse response cannot stream", "remote", r.RemoteAddr, "err", err)
		return
	}

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	h.newClient(transportSSE, r.RemoteAddr, s, cancel).run(ctx, sub)
}

// sseSubscription reads the filter and from the query, and lets a Last-Event-ID header,
// which an EventSource sends when it reconnects, override from (section 9.2.4).
func sseSubscription(r *http.Request) (subscription, error) {
	sub, err := parseQuery(r.URL.Query())
	if err != nil {
		return sub, err
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		if sub.from, err = parseOffset(id); err != nil {
			return sub, err
		}
		sub.resume = true
	}
	return sub, nil
}

// sseSink writes frames as events; data is one line, as JSON without raw newlines is.
type sseSink struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     []byte
}

// frame writes one event named after the frame type; observations carry their offset as id.
func (s *sseSink) frame(event string, offset uint64, data []byte) error {
	b := append(s.buf[:0], "event: "...)
	b = append(b, event...)
	if offset > 0 {
		b = append(b, "\nid: "...)
		b = strconv.AppendUint(b, offset, 10)
	}
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	s.buf = b
	return s.write(b)
}

// ping writes a comment line, which EventSource ignores, to keep proxies from timing out.
func (s *sseSink) ping() error { return s.write([]byte(": ping\n\n")) }

// close tells the client why in a last error event, when the reason has a code.
func (s *sseSink) close(why closeReason) {
	if why.code == "" {
		return
	}
	_ = s.frame(typeError, 0, encodeError(why.code, why.text, nil))
}

// write sends b and flushes it, within the write timeout.
func (s *sseSink) write(b []byte) error {
	err := s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("stream: sse deadline: %w", err)
	}
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("stream: sse write: %w", err)
	}
	return s.flush()
}

// flush pushes buffered bytes to the client.
func (s *sseSink) flush() error {
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("stream: sse flush: %w", err)
	}
	return nil
}

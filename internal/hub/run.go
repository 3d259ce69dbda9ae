package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/vindel-hub/vindel/internal/config"
)

// Run serves until ctx ends, then shuts down in order: close the stream clients, stop taking
// uplinks (HTTP and MQTT), drain the pipeline and flush the store, close the files.
func (h *Hub) Run(ctx context.Context) error {
	defer h.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	pipeCtx, stopPipe := context.WithCancel(context.WithoutCancel(ctx))
	pipeDone := make(chan error, 1)
	go func() { pipeDone <- h.pipeline.Run(pipeCtx) }()

	var sources sync.WaitGroup
	for _, s := range h.sources {
		sources.Add(1)
		go func() {
			defer sources.Done()
			if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				cancel(fmt.Errorf("mqtt source: %w", err))
			}
		}()
	}
	var retaining sync.WaitGroup
	retaining.Go(func() { h.retain(ctx) })
	serveDone := make(chan error, 1)
	go func() { serveDone <- h.server.Serve(h.listener) }()
	h.log.Info("vindel serving", "http", h.Addr(), "broker", h.brokerURL(),
		"sources", len(h.sources), "profiles", len(h.profiles.All()),
		"devices", len(h.registry.All().Devices))

	select {
	case <-ctx.Done():
	case err := <-serveDone:
		cancel(fmt.Errorf("http: %w", err))
	}
	h.log.Info("vindel shutting down")

	grace := h.cfg.Shutdown
	if grace <= 0 {
		grace = config.DefaultShutdown
	}
	shutCtx, done := context.WithTimeout(context.Background(), grace)
	defer done()
	// Stream clients first: http.Server.Shutdown waits for open SSE responses and does not
	// close WebSockets. They resume by offset when the hub is back.
	h.stream.Close()
	httpErr := h.server.Shutdown(shutCtx)
	sources.Wait()
	retaining.Wait()
	stopPipe()
	pipeErr := <-pipeDone

	cause := context.Cause(ctx)
	if errors.Is(cause, context.Canceled) {
		cause = nil
	}
	return errors.Join(cause, httpErr, pipeErr)
}

// BrokerURL is the embedded broker's MQTT URL, or "" when it is off.
func (h *Hub) BrokerURL() string { return h.brokerURL() }

func (h *Hub) brokerURL() string {
	if h.broker == nil {
		return ""
	}
	return h.broker.MQTTURL()
}

// close releases whatever New opened, in reverse order.
func (h *Hub) close() {
	if h.listener != nil {
		h.listener.Close()
	}
	if h.store != nil {
		if err := h.store.Close(); err != nil {
			h.log.Error("close store", "err", err)
		}
	}
	if h.registry != nil {
		h.registry.Close()
	}
	if h.broker != nil {
		h.broker.Shutdown()
	}
}

// ready reports whether the hub can do its job: the store answers and every MQTT source is
// connected and subscribed.
func (h *Hub) ready(ctx context.Context) error {
	if _, err := h.store.LastID(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := h.store.Health(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for i, s := range h.sources {
		if !s.Ready() {
			return fmt.Errorf("mqtt source %d (%s) is not connected", i, h.sourceName(i))
		}
	}
	return nil
}

func (h *Hub) sourceName(i int) string {
	if len(h.cfg.MQTT) > i {
		return sourceName(h.cfg.MQTT[i], i)
	}
	return "embedded"
}

// sourceName is the name of the i-th configured MQTT source: its own, or mqtt-<i>, after
// its VINDEL_MQTT_<i>_ index.
func sourceName(c config.MQTTSource, i int) string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("mqtt-%d", i)
}

func writeStatus(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready:", err)
		return
	}
	fmt.Fprintln(w, "ok")
}

package pipeline

import (
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// warner logs bad device input at Warn, rate-limited per device (or per source when the
// DevEUI is unknown), so one misbehaving device cannot flood the log. What is not logged is
// still counted and kept.
type warner struct {
	log *slog.Logger

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// maxLimiters bounds the memory a flood of random DevEUIs can take; past it the map restarts.
const maxLimiters = 10000

func newWarner(log *slog.Logger) *warner {
	return &warner{log: log, limiters: map[string]*rate.Limiter{}}
}

func (w *warner) allow(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.limiters[key]
	if !ok {
		if len(w.limiters) >= maxLimiters {
			clear(w.limiters)
		}
		l = rate.NewLimiter(rate.Every(time.Minute), 3) // a burst of 3, then one a minute
		w.limiters[key] = l
	}
	return l.Allow()
}

func (w *warner) bad(r *result) {
	key := r.up.DevEUI
	if key == "" {
		key = "source:" + r.msg.Source
	}
	if !w.allow(key) {
		return
	}
	w.log.Warn("uplink not decoded", "outcome", r.outcome, "source", r.msg.Source,
		"dev_eui", r.up.DevEUI, "topic", r.msg.Topic, "err", r.err)
}

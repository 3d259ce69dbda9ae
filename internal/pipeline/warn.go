package pipeline

import (
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// warner logs bad device input at Warn, rate-limited per device (or per source when the
// DevEUI is unknown) and over all devices together, so neither one misbehaving device nor a
// network server full of unregistered ones can flood the log. What is not logged is still
// counted and kept; the next line that is logged says how many were left out.
type warner struct {
	log *slog.Logger

	mu         sync.Mutex
	limiters   map[string]*rate.Limiter
	all        *rate.Limiter
	suppressed int
}

// maxLimiters bounds the memory a flood of random DevEUIs can take; past it the map restarts.
const maxLimiters = 10000

func newWarner(log *slog.Logger) *warner {
	return &warner{
		log:      log,
		limiters: map[string]*rate.Limiter{},
		all:      rate.NewLimiter(rate.Every(6*time.Second), 10), // a burst of 10, then 10 a minute
	}
}

// allow reports whether a line about key may be logged, and how many were left out before it.
func (w *warner) allow(key string) (bool, int) {
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
	if !l.Allow() || !w.all.Allow() {
		w.suppressed++
		return false, 0
	}
	n := w.suppressed
	w.suppressed = 0
	return true, n
}

func (w *warner) bad(r *result) {
	dev := r.devEUI()
	key := dev
	if key == "" {
		key = "source:" + r.msg.Source
	}
	ok, left := w.allow(key)
	if !ok {
		return
	}
	args := []any{"outcome", r.outcome, "source", r.msg.Source, "dev_eui", dev,
		"topic", r.msg.Topic, "err", r.err}
	if left > 0 {
		args = append(args, "suppressed", left)
	}
	w.log.Warn("uplink not decoded", args...)
}

// clock logs, rate-limited like bad input, a time that plausible replaced.
func (w *warner) clock(r *result, what string, t time.Time) {
	if ok, left := w.allow("clock:" + r.up.DevEUI); ok {
		w.log.Warn("implausible "+what+"; using the reception time instead", "dev_eui", r.up.DevEUI,
			"source", r.msg.Source, "time", t, "suppressed", left)
	}
}

package broker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/time/rate"
)

// natsLogger carries nats-server's log lines into slog. Its notices are mostly its start-up
// banner, so they go to Debug; the broker's own Info line says it is up. Its errors are
// mostly about one misbehaving client (a payload over the limit, a broken connection), so
// they are Warn, rate-limited so one client cannot flood the log. Fatalf does not exit the
// process as nats-server's own logger would: the server reports the failure through Start or
// stops itself, and the hub decides what to do.
type natsLogger struct {
	log     *slog.Logger
	fatal   chan string   // the first fatal message, for Start to fail on at once
	limiter *rate.Limiter // for Warn lines
}

func newNATSLogger(log *slog.Logger) *natsLogger {
	return &natsLogger{log: log, fatal: make(chan string, 1),
		limiter: rate.NewLimiter(rate.Every(6*time.Second), 10)}
}

func (l *natsLogger) emit(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, fmt.Sprintf(format, v...))
}

// Noticef logs at Debug.
func (l *natsLogger) Noticef(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }

// Warnf logs at Warn, rate-limited.
func (l *natsLogger) Warnf(format string, v ...any) {
	if l.limiter.Allow() {
		l.emit(slog.LevelWarn, format, v)
	}
}

// Fatalf logs at Error, marked fatal.
func (l *natsLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error("fatal: " + msg)
	select {
	case l.fatal <- msg:
	default:
	}
}

// Errorf logs at Warn, rate-limited: see natsLogger.
func (l *natsLogger) Errorf(format string, v ...any) { l.Warnf(format, v...) }

// Debugf logs at Debug.
func (l *natsLogger) Debugf(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }

// Tracef logs at Debug; tracing is only switched on when the logger is at Debug.
func (l *natsLogger) Tracef(format string, v ...any) { l.emit(slog.LevelDebug-4, format, v) }

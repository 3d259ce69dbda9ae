package broker

import (
	"context"
	"fmt"
	"log/slog"
)

// natsLogger carries nats-server's log lines into slog. Its notices are lifecycle (Info);
// Fatalf does not exit the process as nats-server's own logger would: the server reports the
// failure through Start or stops itself, and the hub decides what to do.
type natsLogger struct {
	log   *slog.Logger
	fatal chan string // the first fatal message, for Start to fail on at once
}

func newNATSLogger(log *slog.Logger) *natsLogger {
	return &natsLogger{log: log, fatal: make(chan string, 1)}
}

func (l *natsLogger) emit(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, fmt.Sprintf(format, v...))
}

// Noticef logs at Info.
func (l *natsLogger) Noticef(format string, v ...any) { l.emit(slog.LevelInfo, format, v) }

// Warnf logs at Warn.
func (l *natsLogger) Warnf(format string, v ...any) { l.emit(slog.LevelWarn, format, v) }

// Fatalf logs at Error, marked fatal.
func (l *natsLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error("fatal: " + msg)
	select {
	case l.fatal <- msg:
	default:
	}
}

// Errorf logs at Error.
func (l *natsLogger) Errorf(format string, v ...any) { l.emit(slog.LevelError, format, v) }

// Debugf logs at Debug.
func (l *natsLogger) Debugf(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }

// Tracef logs at Debug; tracing is only switched on when the logger is at Debug.
func (l *natsLogger) Tracef(format string, v ...any) { l.emit(slog.LevelDebug-4, format, v) }

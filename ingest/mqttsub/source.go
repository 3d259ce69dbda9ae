package mqttsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/metrics"
)

// warnEvery is the least time between two Warn lines about the broker connection; the
// failures in between are logged at Debug, so a broker that is down cannot flood the log.
const warnEvery = 30 * time.Second

// healthyFor is how long a session must stay up for the next reconnect to start again from
// the shortest backoff.
const healthyFor = 10 * time.Second

// Source is one MQTT subscription feeding an ingest.Sink. Run owns its connection: each
// attempt builds a fresh paho client, subscribes again (a broker that lost its state, or a
// new broker at the same address, must not leave the hub deaf) and waits for the connection
// to drop, then backs off exponentially with jitter and tries again.
type Source struct {
	cfg  Config
	sink ingest.Sink
	up   prometheus.Gauge // nil when no metrics were given
	log  *slog.Logger

	ready   atomic.Bool
	warn    rate.Sometimes // paces Warn lines about the connection
	busyLog rate.Sometimes // paces Warn lines about a refusing sink
}

// New checks cfg and builds a Source that hands messages to sink. m may be nil.
func New(cfg Config, sink ingest.Sink, m *metrics.Metrics, log *slog.Logger) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if sink == nil {
		return nil, errors.New("mqttsub: nil sink")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{
		cfg: cfg, sink: sink,
		log:     log.With("source", cfg.Name),
		warn:    rate.Sometimes{Interval: warnEvery},
		busyLog: rate.Sometimes{Interval: warnEvery},
	}
	if m != nil {
		s.up = m.SourceUp.WithLabelValues(cfg.Name)
		s.up.Set(0)
	}
	return s, nil
}

// Ready reports whether the source is connected and its subscriptions are granted.
func (s *Source) Ready() bool { return s.ready.Load() }

// Run connects, subscribes and reconnects until ctx is done, then disconnects and returns
// nil. Messages not yet taken by the sink at that moment are left unacknowledged, so a
// persistent session gets them again on the next start.
func (s *Source) Run(ctx context.Context) error {
	s.log.Info("mqtt source starting", "broker", s.cfg.Broker, "client_id", s.cfg.ClientID,
		"topics", s.cfg.Topics, "qos", s.cfg.QoS, "shared_group", s.cfg.SharedGroup)
	defer s.log.Info("mqtt source stopped")

	backoff := minBackoff
	for {
		upSince, err := s.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		// A session that stayed up was healthy: start counting again. One that drops at once
		// keeps the backoff growing, so a flapping broker is not hammered.
		if !upSince.IsZero() && time.Since(upSince) >= healthyFor {
			backoff = minBackoff
		}
		wait := jitter(backoff)
		in := wait.Round(time.Millisecond).String() // JSON logs show a Duration in ns
		s.warn.Do(func() {
			s.log.Warn("mqtt connection failed or lost; retrying", "err", err, "retry_in", in)
		})
		s.log.Debug("mqtt connection failed or lost", "err", err, "retry_in", in)

		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(backoff*2, s.cfg.MaxBackoff)
	}
}

// jitter returns a wait in [d/2, d]: equal jitter, so replicas that lost the same broker do
// not come back in lockstep.
func jitter(d time.Duration) time.Duration {
	half := d / 2
	return half + rand.N(half+1)
}

// session runs one connection: connect, subscribe, wait until it drops or ctx is done. It
// returns when the subscriptions were granted (zero if they were not) and why it ended.
func (s *Source) session(ctx context.Context) (time.Time, error) {
	lost := make(chan error, 1)
	client := mqtt.NewClient(s.clientOptions(ctx, lost))
	defer s.setReady(false)

	if err := wait(ctx, client.Connect()); err != nil {
		client.Disconnect(0) // in case the attempt completes after ctx is done
		return time.Time{}, fmt.Errorf("connect to %s: %w", s.cfg.Broker, err)
	}
	defer client.Disconnect(250)

	if err := s.subscribe(ctx, client); err != nil {
		return time.Time{}, err
	}
	upSince := time.Now()
	s.setReady(true)
	s.log.Info("mqtt source connected and subscribed", "broker", s.cfg.Broker)

	select {
	case <-ctx.Done():
		return upSince, nil
	case err := <-lost:
		return upSince, fmt.Errorf("connection to %s lost: %w", s.cfg.Broker, err)
	}
}

func (s *Source) clientOptions(ctx context.Context, lost chan<- error) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(s.cfg.Broker).
		SetClientID(s.cfg.ClientID).
		SetCleanSession(s.cfg.CleanSession).
		SetProtocolVersion(4). // MQTT 3.1.1
		SetKeepAlive(keepAlive).
		SetConnectTimeout(connectTimeout).
		SetAutoReconnect(false). // Run reconnects, so that it can subscribe anew each time
		SetConnectRetry(false).
		SetOrderMatters(true). // one message at a time: a blocked handler is backpressure
		SetAutoAckDisabled(true).
		SetStore(noStore{}).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			s.setReady(false)
			select {
			case lost <- err:
			default:
			}
		})
	// Every message, including those a persistent session delivers before SUBSCRIBE is
	// answered, goes through the default handler; no per-filter routes are registered.
	o.SetDefaultPublishHandler(s.handler(ctx))
	if s.cfg.Username != "" {
		o.SetUsername(s.cfg.Username).SetPassword(s.cfg.Password)
	}
	if buffersScheme(s.cfg.Broker) {
		o.SetCustomOpenConnectionFn(dialBuffered)
	}
	return o
}

// subscribe sends one SUBSCRIBE for every filter and checks the broker granted each: a
// return code of 0x80 is a refusal (MQTT 3.1.1 §3.9.3).
func (s *Source) subscribe(ctx context.Context, client mqtt.Client) error {
	tok := client.SubscribeMultiple(s.cfg.filters(), nil)
	if err := wait(ctx, tok); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	st, ok := tok.(*mqtt.SubscribeToken)
	if !ok {
		return nil
	}
	for filter, code := range st.Result() {
		if code == 0x80 {
			return fmt.Errorf("subscribe: broker refused %q", filter)
		}
		if code < s.cfg.QoS {
			s.log.Warn("broker granted a lower QoS than asked", "filter", filter,
				"granted", code, "asked", s.cfg.QoS)
		}
	}
	return nil
}

// wait blocks until tok completes or ctx is done.
func wait(ctx context.Context, tok mqtt.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Source) setReady(up bool) {
	s.ready.Store(up)
	if s.up == nil {
		return
	}
	if up {
		s.up.Set(1)
		return
	}
	s.up.Set(0)
}

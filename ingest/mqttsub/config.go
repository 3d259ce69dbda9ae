// Package mqttsub is the ingest source that subscribes to a network server's MQTT integration
// (ChirpStack, The Things Stack, or any broker carrying uplink envelopes) and hands each message
// to an ingest.Sink, acknowledging QoS 1 messages only once the sink has taken them.
package mqttsub

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vindel-hub/vindel/ingest"
)

// Default topic filters: the uplink events of ChirpStack (v3 and v4 share the layout) and of
// The Things Stack v3.
const (
	TopicChirpStackUp = "application/+/device/+/event/up"
	TopicTTSUp        = "v3/+/devices/+/up"
)

// Defaults applied by New to a zero field.
const (
	DefaultQoS           byte = 1
	DefaultMaxBackoff         = time.Minute
	DefaultHandleTimeout      = 5 * time.Second
	minBackoff                = 250 * time.Millisecond
	connectTimeout            = 10 * time.Second
	keepAlive                 = 30 * time.Second
)

// Config describes one MQTT subscription.
type Config struct {
	// Name is the source name carried in every Message and in the source_up metric.
	Name string
	// Broker is the broker URL: tcp://host:port, ssl://host:port, ws://host:port/path.
	Broker string
	// ClientID identifies the session at the broker. It must be stable across restarts for a
	// persistent session to be found again, and distinct per replica. Empty means
	// "vindel-<Name>-<hostname>".
	ClientID string
	// Username and Password authenticate at the broker when Username is set.
	Username, Password string
	// Topics are the topic filters; empty means TopicChirpStackUp and TopicTTSUp.
	Topics []string
	// QoS is the subscription QoS, 0 or 1 (2 is accepted and handled like 1); 0 means 1.
	// Set QoSZero to subscribe at QoS 0.
	QoS byte
	// QoSZero subscribes at QoS 0 (no redelivery, no acknowledgement) instead of the default 1.
	QoSZero bool
	// Dialect is the envelope format of every message, or ingest.DialectUnknown to detect it
	// per message downstream.
	Dialect ingest.Dialect
	// SharedGroup, when set, subscribes as $share/<group>/<filter> so that hub replicas share
	// the load (MQTT 5.0 §4.8.2; Mosquitto and EMQX accept it from 3.1.1 clients too).
	SharedGroup string
	// CleanSession asks the broker for a fresh session on every connect. The default (false)
	// keeps a persistent session, so QoS 1 messages published while the hub is away are
	// queued by the broker and delivered when it returns (MQTT 3.1.1 §3.1.2.4).
	CleanSession bool
	// MaxBackoff caps the wait between connection attempts; 0 means DefaultMaxBackoff.
	MaxBackoff time.Duration
	// HandleTimeout bounds one call of Sink.Handle; 0 means DefaultHandleTimeout. A sink that
	// is still busy after it is asked again: the message is never dropped.
	HandleTimeout time.Duration
}

// Check reports what is wrong with c, as New would, without starting anything: a hub checks
// its sources before it opens its store.
func (c Config) Check() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		return c, errors.New("mqttsub: source name is empty")
	}
	if err := checkBroker(c.Broker); err != nil {
		return c, err
	}
	if err := ingest.CheckDialect(c.Dialect); err != nil {
		return c, fmt.Errorf("mqttsub: %w", err)
	}
	if len(c.Topics) == 0 {
		c.Topics = []string{TopicChirpStackUp, TopicTTSUp}
	}
	for _, t := range c.Topics {
		if err := checkFilter(t); err != nil {
			return c, err
		}
	}
	if strings.ContainsAny(c.SharedGroup, "/+#") {
		return c, fmt.Errorf("mqttsub: shared group %q must not contain / + #", c.SharedGroup)
	}

	switch {
	case c.QoSZero:
		c.QoS = 0
	case c.QoS == 0:
		c.QoS = DefaultQoS
	case c.QoS > 2:
		return c, fmt.Errorf("mqttsub: QoS %d is not 0, 1 or 2", c.QoS)
	}
	if c.ClientID == "" {
		host, _ := os.Hostname()
		c.ClientID = "vindel-" + c.Name + "-" + host
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, minBackoff)
	if c.HandleTimeout <= 0 {
		c.HandleTimeout = DefaultHandleTimeout
	}
	return c, nil
}

// filters returns the subscription map for paho, shared when a group is set.
func (c Config) filters() map[string]byte {
	f := make(map[string]byte, len(c.Topics))
	for _, t := range c.Topics {
		if c.SharedGroup != "" {
			t = "$share/" + c.SharedGroup + "/" + t
		}
		f[t] = c.QoS
	}
	return f
}

func checkBroker(raw string) error {
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("mqttsub: broker URL %q has no scheme; write tcp://host:port", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("mqttsub: broker URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
	default:
		return fmt.Errorf("mqttsub: broker URL %q: scheme must be tcp, ssl, ws or wss", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("mqttsub: broker URL %q has no host", raw)
	}
	return nil
}

// checkFilter applies the topic filter rules of MQTT 3.1.1 §4.7.1: '#' only as the last
// level, '+' only as a whole level, no empty filter.
func checkFilter(f string) error {
	if f == "" {
		return errors.New("mqttsub: empty topic filter")
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		if strings.Contains(l, "#") && (l != "#" || i != len(levels)-1) {
			return fmt.Errorf("mqttsub: topic filter %q: '#' must be the last level", f)
		}
		if strings.Contains(l, "+") && l != "+" {
			return fmt.Errorf("mqttsub: topic filter %q: '+' must fill a whole level", f)
		}
	}
	return nil
}

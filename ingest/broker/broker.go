// Package broker runs the hub's embedded MQTT broker: nats-server in-process with its MQTT
// listener, so a single machine needs no separate broker for devices and network servers.
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Defaults applied by Start to a zero field.
const (
	DefaultMQTTAddr = "127.0.0.1:1883"
	readyTimeout    = 15 * time.Second
)

// Config configures the embedded broker.
type Config struct {
	// MQTTAddr is host:port of the MQTT listener; empty means DefaultMQTTAddr, port 0 picks a
	// free port (MQTTURL tells which).
	MQTTAddr string
	// DataDir is the JetStream store directory. nats-server keeps MQTT sessions, retained
	// messages and QoS 1 queues in JetStream, so it must be set and survive restarts for
	// persistent sessions to survive them too.
	DataDir string
	// NATSAddr is host:port of the NATS client listener. Empty disables it: the MQTT listener
	// works without it, and nothing else is exposed.
	NATSAddr string
	// AckWait is how long a QoS 1 message sent to a subscriber may stay unacknowledged
	// before it is sent again; 0 means nats-server's default (30 s). nats-server resends on
	// this timer, not when the session reconnects, so a message in flight when a subscriber
	// went away arrives up to AckWait after it returns. Too short a wait duplicates messages
	// for a subscriber that holds back acknowledgements under load.
	AckWait time.Duration
	// ServerName names the server in its logs and JetStream metadata; empty means "vindel".
	ServerName string
}

// Broker is a running embedded broker.
type Broker struct {
	srv  *server.Server
	opts *server.Options
	log  *slog.Logger
}

// Start launches the broker and waits until its listeners accept connections.
func Start(cfg Config, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts, err := cfg.options()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("broker: data dir: %w", err)
	}

	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("broker: configure nats-server: %w", err)
	}
	log = log.With("component", "broker")
	nl := newNATSLogger(log)
	srv.SetLoggerV2(nl, log.Enabled(context.Background(), slog.LevelDebug), false, false)

	srv.Start()
	if err := waitReady(srv, nl); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	b := &Broker{srv: srv, opts: opts, log: log}
	log.Info("embedded MQTT broker started", "mqtt", b.MQTTURL(), "data_dir", cfg.DataDir)
	return b, nil
}

// waitReady waits until srv accepts connections, failing at once on a fatal log line (an
// address in use, a JetStream store that cannot be opened).
func waitReady(srv *server.Server, nl *natsLogger) error {
	ready := make(chan bool, 1)
	go func() { ready <- srv.ReadyForConnections(readyTimeout) }()
	select {
	case msg := <-nl.fatal:
		return fmt.Errorf("broker: %s", msg)
	case ok := <-ready:
		if ok {
			return nil
		}
		return fmt.Errorf("broker: not ready after %v", readyTimeout)
	}
}

// options turns cfg into nats-server options.
func (cfg Config) options() (*server.Options, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("broker: DataDir is empty; the MQTT listener needs JetStream")
	}
	if cfg.MQTTAddr == "" {
		cfg.MQTTAddr = DefaultMQTTAddr
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "vindel"
	}
	mqttHost, mqttPort, err := hostPort(cfg.MQTTAddr)
	if err != nil {
		return nil, fmt.Errorf("broker: MQTTAddr: %w", err)
	}

	opts := &server.Options{
		ServerName: cfg.ServerName,
		JetStream:  true,
		StoreDir:   cfg.DataDir,
		NoSigs:     true, // the hub owns signal handling
		MQTT:       server.MQTTOpts{Host: mqttHost, Port: mqttPort, AckWait: cfg.AckWait},
		DontListen: cfg.NATSAddr == "",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
	}
	if cfg.NATSAddr != "" {
		opts.Host, opts.Port, err = hostPort(cfg.NATSAddr)
		if err != nil {
			return nil, fmt.Errorf("broker: NATSAddr: %w", err)
		}
	}
	return opts, nil
}

// hostPort splits addr; port 0 becomes nats-server's RANDOM_PORT, since 0 there means "off".
func hostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// MQTTURL is the address for MQTT clients, "tcp://host:port", with the port actually bound.
func (b *Broker) MQTTURL() string {
	// nats-server writes the bound port back into its options once listening, which
	// ReadyForConnections waited for.
	host := b.opts.MQTT.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "tcp://" + net.JoinHostPort(host, strconv.Itoa(b.opts.MQTT.Port))
}

// NATSURL is the address of the NATS client listener, or "" when it is disabled.
func (b *Broker) NATSURL() string {
	if b.opts.DontListen {
		return ""
	}
	return b.srv.ClientURL()
}

// Shutdown stops the broker and waits until it has stopped. JetStream state stays in DataDir.
func (b *Broker) Shutdown() {
	b.srv.Shutdown()
	b.srv.WaitForShutdown()
	b.log.Info("embedded MQTT broker stopped")
}

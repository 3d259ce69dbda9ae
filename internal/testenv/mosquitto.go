// Package testenv starts the real servers that integration tests and benchmarks run against:
// a Mosquitto broker on a free loopback port, stopped when the test ends.
package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MosquittoPath is where Debian installs the broker; PATH is searched when it is not there.
const MosquittoPath = "/usr/sbin/mosquitto"

// startTimeout bounds how long a broker may take to accept connections.
const startTimeout = 10 * time.Second

// mosquittoConf is the broker configuration. Mosquitto's defaults drop QoS 1 messages for a
// subscriber past 1,000 queued (max_queued_messages) and hold at most 20 in flight; tests and
// benchmarks must measure the hub, not those limits, so both are lifted explicitly.
const mosquittoConf = `listener %d 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_queued_bytes 0
max_inflight_messages 0
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
log_type notice
`

// MosquittoBroker is a running Mosquitto process owned by one test.
type MosquittoBroker struct {
	// URL is the broker's address for paho, "tcp://127.0.0.1:PORT".
	URL string
	// Port is the loopback port it listens on; it stays the same across Restart.
	Port int

	t    testing.TB
	bin  string
	conf string
	mu   sync.Mutex // guards cmd and done
	cmd  *exec.Cmd
	done chan struct{}
	out  Buffer // the output of every run, for the log of a failed test
}

// Mosquitto starts a Mosquitto broker for t on a free 127.0.0.1 port, waits until it accepts
// connections and returns its URL. The broker is stopped in t.Cleanup.
func Mosquitto(t testing.TB) string {
	t.Helper()
	return StartMosquitto(t, 0).URL
}

// StartMosquitto starts a Mosquitto broker for t on port (0 picks a free one), for tests that
// need to stop and restart it. When the binary is missing the test is skipped, unless env CI
// is set: then it fails, since CI must run every integration test.
func StartMosquitto(t testing.TB, port int) *MosquittoBroker {
	t.Helper()
	bin := mosquittoBinary(t)
	if port == 0 {
		port = FreePort(t)
	}

	dir := t.TempDir()
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, mosquittoConf, port), 0o600); err != nil {
		t.Fatalf("testenv: write mosquitto config: %v", err)
	}

	b := &MosquittoBroker{
		URL: "tcp://127.0.0.1:" + strconv.Itoa(port), Port: port,
		t: t, bin: bin, conf: conf,
	}
	t.Cleanup(func() {
		b.Stop()
		if t.Failed() {
			t.Logf("mosquitto output:\n%s", b.out.String())
		}
	})
	b.Start()
	return b
}

// mosquittoBinary finds the broker or skips (fails in CI) the test.
func mosquittoBinary(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(MosquittoPath); err == nil {
		return MosquittoPath
	}
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	msg := "testenv: mosquitto not installed (" + MosquittoPath +
		"); install the Debian package mosquitto to run this test"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set: failing instead of skipping)")
	}
	t.Skip(msg)
	return ""
}

// Start runs the broker (again, after Stop) on its port and waits until it accepts connections.
func (b *MosquittoBroker) Start() {
	b.t.Helper()
	b.mu.Lock()
	if b.cmd != nil {
		b.mu.Unlock()
		return
	}
	cmd := exec.Command(b.bin, "-c", b.conf)
	cmd.Stdout = &b.out
	cmd.Stderr = &b.out
	if err := cmd.Start(); err != nil {
		b.mu.Unlock()
		b.t.Fatalf("testenv: start mosquitto: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	b.cmd, b.done = cmd, done
	b.mu.Unlock()

	if err := waitListening(b.Port, done); err != nil {
		b.t.Fatalf("testenv: mosquitto on port %d: %v\n%s", b.Port, err, b.out.String())
	}
}

// Stop terminates the broker and waits for it to exit. Calling it twice is harmless.
func (b *MosquittoBroker) Stop() {
	b.mu.Lock()
	cmd, done := b.cmd, b.done
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Restart stops the broker and starts it again on the same port. Mosquitto runs without
// persistence, so sessions and subscriptions are gone afterwards: clients must resubscribe.
func (b *MosquittoBroker) Restart() {
	b.t.Helper()
	b.Stop()
	b.Start()
}

// waitListening dials port until it accepts, the process exits or startTimeout passes.
func waitListening(port int, exited <-chan struct{}) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("process exited before accepting connections")
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not accepting connections after %v", startTimeout)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

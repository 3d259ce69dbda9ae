package mqttsub

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// paho reads every packet straight from the socket, a byte for the fixed header, a byte at a
// time for the remaining length, then the body, and writes every packet, PUBACKs included,
// with a write of its own. At tens of thousands of QoS 1 messages a second those system calls
// are a large share of the source's work. bufferedConn reads through a buffer and writes
// through a queue that one goroutine drains, so that the PUBACKs of a committed batch leave
// in one write while paho goes on producing the next.

// readBuffer is the size of the read buffer: a few typical uplinks.
const readBuffer = 32 << 10

// closeFlushTimeout bounds how long Close waits for queued writes, so that a dead peer
// cannot hold up a reconnect.
const closeFlushTimeout = 2 * time.Second

// dialBuffered is paho's OpenConnectionFunc for the tcp, mqtt and TLS schemes: it dials as
// paho would (through a proxy from the environment for plain TCP) and wraps the connection.
func dialBuffered(uri *url.URL, o mqtt.ClientOptions) (net.Conn, error) {
	d := &net.Dialer{Timeout: o.ConnectTimeout}
	var conn net.Conn
	var err error
	switch uri.Scheme {
	case "tcp", "mqtt":
		conn, err = proxy.FromEnvironmentUsing(d).Dial("tcp", uri.Host)
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		conn, err = tls.DialWithDialer(d, "tcp", uri.Host, o.TLSConfig)
	default:
		return nil, fmt.Errorf("scheme %q: not a TCP scheme", uri.Scheme)
	}
	if err != nil {
		return nil, err
	}
	return newBufferedConn(conn), nil
}

// buffersScheme reports whether dialBuffered handles the broker URL's scheme; WebSocket and
// Unix socket brokers keep paho's own dialer.
func buffersScheme(broker string) bool {
	u, err := url.Parse(broker)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		return true
	}
	return false
}

// bufferedConn is a net.Conn with a read buffer and queued writes. Write appends to the
// queue and returns; a failed write is returned by the next Write and by Close.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader

	mu      sync.Mutex
	queued  []byte // waiting for the writer goroutine
	spare   []byte // the writer's last buffer, reused
	err     error  // the first failed write; sticky
	closing bool
	wake    chan struct{} // one token: the queue has data or the conn is closing
	done    chan struct{} // closed when the writer goroutine has returned
}

func newBufferedConn(c net.Conn) *bufferedConn {
	b := &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, readBuffer),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go b.writeLoop()
	return b
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// Write queues a copy of p.
func (b *bufferedConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	if b.closing {
		b.mu.Unlock()
		return 0, net.ErrClosed
	}
	b.queued = append(b.queued, p...)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

// writeLoop writes whatever is queued, one write for all of it, until Close.
func (b *bufferedConn) writeLoop() {
	defer close(b.done)
	for range b.wake {
		for {
			b.mu.Lock()
			out := b.queued
			b.queued = b.spare[:0]
			closing := b.closing
			b.mu.Unlock()
			if len(out) == 0 {
				b.spare = out
				if closing {
					return
				}
				break
			}
			_, err := b.Conn.Write(out)
			b.spare = out
			if err != nil {
				b.mu.Lock()
				if b.err == nil {
					b.err = err
				}
				b.mu.Unlock()
				return
			}
		}
	}
}

// Close writes what is queued, within closeFlushTimeout, and closes the connection.
func (b *bufferedConn) Close() error {
	b.mu.Lock()
	already := b.closing
	b.closing = true
	b.mu.Unlock()
	if already {
		return net.ErrClosed
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
	_ = b.Conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	<-b.done
	err := b.Conn.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil && !errors.Is(b.err, net.ErrClosed) {
		return b.err
	}
	return err
}

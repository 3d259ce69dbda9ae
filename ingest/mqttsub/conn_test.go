package mqttsub

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// loopback returns a bufferedConn and the peer's end of a TCP connection on 127.0.0.1.
func loopback(t *testing.T) (*bufferedConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	t.Cleanup(func() { _ = peer.Close() })
	return newBufferedConn(c), peer
}

// TestBufferedConnOrder writes from several goroutines, as paho's writer and its pinger
// can, and checks that every write arrives whole and each goroutine's writes in order.
func TestBufferedConnOrder(t *testing.T) {
	b, peer := loopback(t)
	const writers, each = 4, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := fmt.Fprintf(b, "<%d:%05d>", w, i); err != nil {
					t.Errorf("Write: %v", err)
					return
				}
			}
		})
	}
	got := make(chan []byte, 1)
	go func() {
		all, _ := io.ReadAll(peer)
		got <- all
	}()
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	all := <-got
	next := make([]int, writers)
	for len(all) > 0 {
		var w, i int
		if _, err := fmt.Sscanf(string(all[:9]), "<%d:%05d>", &w, &i); err != nil {
			t.Fatalf("torn write at %q: %v", all[:min(len(all), 20)], err)
		}
		if i != next[w] {
			t.Fatalf("writer %d: write %d after %d", w, i, next[w]-1)
		}
		next[w]++
		all = all[9:]
	}
	for w, n := range next {
		if n != each {
			t.Fatalf("writer %d: %d writes arrived, want %d", w, n, each)
		}
	}
}

// TestBufferedConnRead checks that reads pass through the buffer unchanged.
func TestBufferedConnRead(t *testing.T) {
	b, peer := loopback(t)
	defer b.Close()
	want := bytes.Repeat([]byte("0123456789"), 10_000)
	go func() { _, _ = peer.Write(want) }()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(b, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, %v; equal %v", len(got), err, bytes.Equal(got, want))
	}
}

// TestBufferedConnFailure checks that a write failure is returned by later writes, so that
// paho sees the connection is gone.
func TestBufferedConnFailure(t *testing.T) {
	b, peer := loopback(t)
	_ = peer.Close()
	_ = b.Conn.(*net.TCPConn).CloseWrite() // the socket refuses writes from here on
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.Write([]byte("x"))
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("writes to a closed connection kept succeeding")
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.Close(); err == nil || errors.Is(err, net.ErrClosed) {
		t.Fatalf("Close after a failed write = %v, want that failure", err)
	}
	if _, err := b.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// TestBuffersScheme checks which broker URLs get the buffered dialer.
func TestBuffersScheme(t *testing.T) {
	for url, want := range map[string]bool{
		"tcp://127.0.0.1:1883": true, "mqtt://broker:1883": true, "ssl://broker:8883": true,
		"tls://broker:8883": true, "mqtts://broker:8883": true, "ws://broker:80/mqtt": false,
		"wss://broker/mqtt": false, "unix:///run/mqtt.sock": false, "::bad": false,
	} {
		if got := buffersScheme(url); got != want {
			t.Errorf("buffersScheme(%q) = %v, want %v", url, got, want)
		}
	}
}

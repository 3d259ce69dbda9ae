package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// readLimit bounds one client frame; a subscribe message is far smaller.
const readLimit = 64 << 10

// closeGrace is how long the hub waits for the client's answer to its close frame before it
// drops the TCP connection (RFC 6455 section 7.1.1: the server closes TCP first).
const closeGrace = time.Second

// maxReasonLen is the longest close reason: a control frame's payload is at most 125 bytes
// (RFC 6455 section 5.5), two of which are the status code.
const maxReasonLen = 123

// WebSocket returns the handler of the WebSocket stream, mounted at /v1/stream.
func (h *Hub) WebSocket() http.Handler { return http.HandlerFunc(h.serveWebSocket) }

// serveWebSocket upgrades the request and serves the client until it goes.
func (h *Hub) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	sub, subErr := parseQuery(r.URL.Query())
	if err := h.begin(transportWebSocket); err != nil {
		http.Error(w, "the stream is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.end(transportWebSocket)

	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.log.Debug("stream: websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return // Upgrade has answered with an HTTP error
	}
	ws := &wsSink{conn: conn, timeout: h.opt.WriteTimeout, readerDone: make(chan struct{})}

	if subErr != nil {
		go ws.discard()
		_ = ws.frame(typeError, 0, encodeError(codeBadRequest, subErr.Error(), nil))
		ws.close(closeBadRequest)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	c := h.newClient(transportWebSocket, r.RemoteAddr, ws, cancel)
	go ws.read(c, 2*h.opt.PingInterval)
	c.run(ctx, sub)
}

// wsSink writes frames to a WebSocket connection; its reader runs beside the writer.
type wsSink struct {
	conn       *websocket.Conn
	timeout    time.Duration
	readerDone chan struct{} // closed when the reader goroutine has returned
}

// frame sends data as one text message.
func (s *wsSink) frame(_ string, _ uint64, data []byte) error {
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
		return fmt.Errorf("stream: websocket deadline: %w", err)
	}
	if err := s.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("stream: websocket write: %w", err)
	}
	return nil
}

// ping sends a ping control frame (RFC 6455 section 5.5.2).
func (s *wsSink) ping() error {
	err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.timeout))
	if err != nil {
		return fmt.Errorf("stream: websocket ping: %w", err)
	}
	return nil
}

// close sends a close frame when why has a status, waits briefly for the client's close
// frame, then drops the connection and waits for the reader to return.
func (s *wsSink) close(why closeReason) {
	if why.status != 0 {
		text := why.text
		if len(text) > maxReasonLen {
			text = text[:maxReasonLen]
		}
		msg := websocket.FormatCloseMessage(why.status, text)
		err := s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.timeout))
		if err == nil {
			select {
			case <-s.readerDone:
			case <-time.After(closeGrace):
			}
		}
	}
	_ = s.conn.Close()
	<-s.readerDone
}

// read parses the client's frames into c's inbox until the connection fails. Every frame,
// pongs included, extends the read deadline by wait; when it passes the client is closed.
func (s *wsSink) read(c *client, wait time.Duration) {
	defer close(s.readerDone)
	conn := s.conn
	conn.SetReadLimit(readLimit)
	extend := func() error { return conn.SetReadDeadline(time.Now().Add(wait)) }
	_ = extend()
	conn.SetPongHandler(func(string) error { return extend() })

	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			c.kill(readFailure(err))
			return
		}
		_ = extend()
		if typ != websocket.TextMessage {
			c.inbox.fail(encodeError(codeBadRequest, "messages must be JSON text frames", nil))
			continue
		}
		sub, err := parseMessage(data)
		if err != nil {
			c.inbox.fail(encodeError(codeBadRequest, err.Error(), nil))
			continue
		}
		c.inbox.put(sub)
	}
}

// discard reads and drops frames until the connection fails, so a close handshake completes.
func (s *wsSink) discard() {
	defer close(s.readerDone)
	_ = s.conn.SetReadDeadline(time.Now().Add(closeGrace))
	for {
		if _, _, err := s.conn.NextReader(); err != nil {
			return
		}
	}
}

// readFailure says how to close after a failed read: a missed pong deadline earns a close
// frame; a client that closed or vanished needs none (gorilla answers a close frame itself).
func readFailure(err error) closeReason {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return closePongTimeout
	}
	return closeReason{}
}

package mqttsub

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/testenv"
)

// mqttPacket reads one MQTT control packet from r and returns its bytes.
func mqttPacket(r *bufio.Reader) ([]byte, error) {
	h, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	pkt := []byte{h}
	n, mul := 0, 1
	for {
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		pkt = append(pkt, b)
		n += int(b&0x7f) * mul
		if b&0x80 == 0 {
			break
		}
		mul *= 128
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return append(pkt, body...), nil
}

// publishID returns the packet ID and payload of a QoS 1 or 2 PUBLISH.
func publishID(pkt []byte) (uint16, string, bool) {
	if pkt[0]>>4 != 3 || (pkt[0]>>1)&3 == 0 {
		return 0, "", false
	}
	i := 1
	for pkt[i]&0x80 != 0 {
		i++
	}
	i++
	tl := int(binary.BigEndian.Uint16(pkt[i:]))
	i += 2 + tl
	return binary.BigEndian.Uint16(pkt[i:]), string(pkt[i+2:]), true
}

// ackProxy sits between the source and the broker, reads every packet both ways and checks
// that each PUBACK the source sends names a message the sink had made durable.
type ackProxy struct {
	t      *testing.T
	ln     net.Listener
	broker string
	sink   *durableSink

	mu       sync.Mutex
	conns    []net.Conn
	early    []string // PUBACKs for messages not yet durable
	unknown  int      // PUBACKs for no PUBLISH of their connection
	pubacks  int
	sessions int
}

func newAckProxy(t *testing.T, broker string, sink *durableSink) *ackProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &ackProxy{t: t, ln: ln, broker: broker, sink: sink}
	t.Cleanup(func() { _ = ln.Close(); p.cut() })
	go p.accept()
	return p
}

func (p *ackProxy) url() string { return "tcp://" + p.ln.Addr().String() }

func (p *ackProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.broker)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, b)
		p.sessions++
		p.mu.Unlock()
		var mu sync.Mutex
		ids := map[uint16]string{}
		go func() { // broker to source
			r := bufio.NewReader(b)
			for {
				pkt, err := mqttPacket(r)
				if err != nil {
					_ = c.Close()
					return
				}
				if id, body, ok := publishID(pkt); ok {
					mu.Lock()
					ids[id] = body
					mu.Unlock()
				}
				if _, err := c.Write(pkt); err != nil {
					return
				}
			}
		}()
		go func() { // source to broker
			r := bufio.NewReader(c)
			for {
				pkt, err := mqttPacket(r)
				if err != nil {
					_ = b.Close()
					return
				}
				if pkt[0]>>4 == 4 && len(pkt) >= 4 {
					id := binary.BigEndian.Uint16(pkt[2:])
					mu.Lock()
					body, ok := ids[id]
					mu.Unlock()
					p.checkAck(body, ok)
				}
				if _, err := b.Write(pkt); err != nil {
					return
				}
			}
		}()
	}
}

func (p *ackProxy) checkAck(body string, known bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pubacks++
	if !known {
		p.unknown++
		return
	}
	if !p.sink.isDurable(body) {
		p.early = append(p.early, body)
	}
}

// cut closes every proxied connection, as a network failure would.
func (p *ackProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// durableSink queues messages like the pipeline and acknowledges them in order, a batch at
// a time, after marking them durable.
type durableSink struct {
	q       chan ingest.Message
	mu      sync.Mutex
	durable map[string]int
}

func newDurableSink(ctx context.Context) *durableSink {
	s := &durableSink{q: make(chan ingest.Message, 64), durable: map[string]int{}}
	go s.run(ctx)
	return s
}

func (s *durableSink) Handle(ctx context.Context, m ingest.Message) error {
	select {
	case s.q <- m:
		return nil
	case <-ctx.Done():
		return ingest.ErrBusy
	}
}

func (s *durableSink) Offer(m ingest.Message) (bool, error) {
	select {
	case s.q <- m:
		return true, nil
	default:
		return false, nil
	}
}

func (s *durableSink) run(ctx context.Context) {
	for {
		var batch []ingest.Message
		select {
		case m := <-s.q:
			batch = append(batch, m)
		case <-ctx.Done():
			return
		}
	more:
		for len(batch) < 20 {
			select {
			case m := <-s.q:
				batch = append(batch, m)
			default:
				break more
			}
		}
		time.Sleep(3 * time.Millisecond) // the flush
		s.mu.Lock()
		for _, m := range batch {
			s.durable[string(m.Body)]++
		}
		s.mu.Unlock()
		for _, m := range batch {
			if m.Ack != nil {
				m.Ack()
			}
		}
	}
}

func (s *durableSink) isDurable(body string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.durable[body] > 0
}

func (s *durableSink) count() (distinct, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.durable {
		total += n
	}
	return len(s.durable), total
}

// TestPubackOnlyWhenDurableAcrossCuts publishes a burst while the connection between
// source and broker is cut several times: every message must arrive, and no PUBACK may
// name a message the sink has not made durable.
func TestPubackOnlyWhenDurableAcrossCuts(t *testing.T) {
	b := testenv.StartMosquitto(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := newDurableSink(ctx)
	proxy := newAckProxy(t, fmt.Sprintf("127.0.0.1:%d", b.Port), sink)
	r := startSource(t, Config{Name: "cut", Broker: proxy.url(), ClientID: "cut-cuts",
		Topics: []string{"cut/#"}, MaxBackoff: 300 * time.Millisecond}, sink, nil)
	r.waitReady(t, true)

	const n = 5000
	pub := publisher(t, b.URL)
	go func() {
		for i := range n {
			pub.Publish("cut/x", 1, false, fmt.Sprintf("m%05d", i))
		}
	}()
	for cut := 0; ; cut++ {
		distinct, _ := sink.count()
		if distinct == n {
			break
		}
		if cut > 1200 {
			t.Fatalf("%d of %d messages durable", distinct, n)
		}
		time.Sleep(50 * time.Millisecond)
		if cut < 30 && cut%6 == 5 {
			proxy.cut()
		}
	}
	r.stop()
	distinct, total := sink.count()
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	t.Logf("%d sessions, %d PUBACKs, %d messages, %d copies, %d PUBACKs of no PUBLISH",
		proxy.sessions, proxy.pubacks, distinct, total, proxy.unknown)
	if len(proxy.early) > 0 {
		t.Errorf("%d PUBACKs before the message was durable, e.g. %q", len(proxy.early),
			proxy.early[0])
	}
}

// TestCloseFlushesQueued writes a burst and closes at once: the peer must receive all.
func TestCloseFlushesQueued(t *testing.T) {
	b, peer := loopback(t)
	want := 0
	for i := range 5000 {
		s := fmt.Sprintf("packet %d;", i)
		want += len(s)
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan int, 1)
	go func() {
		all, _ := io.ReadAll(peer)
		got <- len(all)
	}()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := <-got; n != want {
		t.Fatalf("peer got %d bytes, want %d", n, want)
	}
	if _, err := b.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// TestCloseWithStuckPeer closes while the peer reads nothing: Close must return within
// closeFlushTimeout and later Writes fail.
func TestCloseWithStuckPeer(t *testing.T) {
	b, _ := loopback(t)
	chunk := make([]byte, 1<<20)
	for range 64 { // far more than the socket buffers hold
		if _, err := b.Write(chunk); err != nil {
			break
		}
	}
	start := time.Now()
	err := b.Close()
	if d := time.Since(start); d > closeFlushTimeout+time.Second {
		t.Fatalf("Close took %v", d)
	}
	t.Logf("Close with a stuck peer: %v after %v", err, time.Since(start))
}

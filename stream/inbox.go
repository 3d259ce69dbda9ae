package stream

import "sync"

// maxPendingErrors bounds the error frames waiting for the writer; a client that sends bad
// frames faster than that is told about the first ones only.
const maxPendingErrors = 8

// inbox passes what a WebSocket reader parsed to the client's writer without ever blocking
// the reader, which must keep reading to see pongs. A newer subscription replaces a pending
// one, as a newer subscribe replaces the current one.
type inbox struct {
	mu    sync.Mutex
	sub   *subscription
	errs  [][]byte
	ready chan struct{} // holds a token while something is pending
}

// put leaves a subscription for the writer.
func (b *inbox) put(s subscription) {
	b.mu.Lock()
	b.sub = &s
	b.mu.Unlock()
	b.signal()
}

// fail leaves an error frame for the writer.
func (b *inbox) fail(frame []byte) {
	b.mu.Lock()
	if len(b.errs) < maxPendingErrors {
		b.errs = append(b.errs, frame)
	}
	b.mu.Unlock()
	b.signal()
}

// signal wakes the writer unless it is already due to look.
func (b *inbox) signal() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// take returns and clears what is pending.
func (b *inbox) take() (*subscription, [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	sub, errs := b.sub, b.errs
	b.sub, b.errs = nil, nil
	return sub, errs
}

// pending reports whether a subscription waits, so a running replay can give way to it.
func (b *inbox) pending() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sub != nil
}

package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/store"
)

// RedecodeSource is the source re-decoded uplinks are counted and kept under.
const RedecodeSource = "redecode"

// redecodable are the outcomes of uplinks the hub kept without decoding that it may decode
// now: the device was registered later, or its profile or firmware changed.
var redecodable = map[store.Outcome]bool{
	store.OutcomeUnknownDevice: true, store.OutcomeNoProfile: true,
	store.OutcomeDecodeError: true, store.OutcomeStoreError: true,
}

// rawPage is how many raw uplinks Redecode reads from the archive at a time.
const rawPage = 1000

// Redecode decodes again the raw uplinks of devEUI that the hub kept without decoding them
// and has not decoded since, with the registry and profiles as they are now. Each goes
// through the data path as a new uplink of source "redecode" with the arrival time of its
// oldest raw record still kept, so its Observations land where they belong in their
// series, and is kept raw again with its new outcome and the number of the one it decodes
// again. It returns once every one is kept, with their outcomes. One Redecode runs at a
// time, and the next waits until every uplink the last one queued is kept, also when its
// caller gave up, so that none is decoded twice.
func (p *Pipeline) Redecode(ctx context.Context, devEUI string) (devices.RedecodeReport, error) {
	select {
	case p.redecoding <- struct{}{}:
	case <-ctx.Done():
		return devices.RedecodeReport{}, fmt.Errorf("pipeline: decode %s again: %w", devEUI,
			ctx.Err())
	}
	todo, err := p.undecoded(ctx, devEUI)
	if err != nil {
		<-p.redecoding
		return devices.RedecodeReport{}, err
	}
	settled := make(chan settledUplink, len(todo))
	sent, err := p.queueAgain(ctx, todo, settled)
	rep, left, unkept, werr := awaitSettled(ctx, settled, sent)
	if left > 0 { // the caller gave up: the queued ones settle before the next may start
		go p.settleThenRelease(settled, left)
	} else {
		<-p.redecoding
	}
	switch err = errors.Join(err, werr); {
	case err != nil:
		return rep, fmt.Errorf("pipeline: decode %s again: %w", devEUI, err)
	case unkept > 0:
		return rep, fmt.Errorf("pipeline: decode %s again: %d of %d not kept; the log says "+
			"why", devEUI, unkept, len(todo))
	}
	return rep, nil
}

// queueAgain queues the raw uplinks todo as Messages of RedecodeSource, each settling into
// settled, and returns how many it queued before ctx ended or the pipeline closed.
func (p *Pipeline) queueAgain(ctx context.Context, todo []store.RawUplink,
	settled chan<- settledUplink) (int, error) {
	for i, raw := range todo {
		m := ingest.Message{Source: RedecodeSource, Topic: raw.Topic, Body: raw.Envelope,
			ArrivedAt: raw.ReceivedAt, Redecodes: raw.Seq}
		key := raw.DedupKey
		q := queued{msg: m, finish: func(o store.Outcome, kept bool) {
			if !kept {
				p.markUnkept(key)
			}
			settled <- settledUplink{o, kept}
		}}
		if _, err := p.submit(ctx, q, true); err != nil {
			return i, err
		}
	}
	return len(todo), nil
}

// awaitSettled counts the outcomes of n queued uplinks as they settle, until ctx ends, and
// returns the report, how many are left and how many were not kept.
func awaitSettled(ctx context.Context, settled <-chan settledUplink,
	n int) (devices.RedecodeReport, int, int, error) {
	rep := devices.RedecodeReport{Outcomes: map[string]int{}}
	unkept := 0
	for n > 0 {
		select {
		case s := <-settled:
			n--
			if !s.kept {
				unkept++
				continue
			}
			rep.Uplinks++
			rep.Outcomes[string(s.outcome)]++
		case <-ctx.Done():
			return rep, n, unkept, ctx.Err()
		}
	}
	return rep, 0, unkept, nil
}

// settledUplink is what became of one uplink Redecode queued.
type settledUplink struct {
	outcome store.Outcome
	kept    bool
}

// settleThenRelease waits for the n uplinks a Redecode queued and left, then lets the next
// Redecode start. Every queued uplink settles, also at shutdown, when the pipeline drains.
func (p *Pipeline) settleThenRelease(settled <-chan settledUplink, n int) {
	for ; n > 0; n-- {
		<-settled
	}
	<-p.redecoding
}

// markUnkept remembers an uplink Redecode queued whose raw record was not kept: its
// Observations may be stored, so no later Redecode of this process decodes it again.
func (p *Pipeline) markUnkept(key string) {
	p.unkeptMu.Lock()
	defer p.unkeptMu.Unlock()
	p.unkept[key] = true
}

func (p *Pipeline) isUnkept(key string) bool {
	p.unkeptMu.Lock()
	defer p.unkeptMu.Unlock()
	return p.unkept[key]
}

// undecoded returns the raw uplinks of devEUI to decode again, one per uplink, oldest
// first.
func (p *Pipeline) undecoded(ctx context.Context, devEUI string) ([]store.RawUplink, error) {
	decoded := map[string]bool{} // dedup keys: one uplink, however often it was kept
	picked := map[string]bool{}
	var todo []store.RawUplink
	var after uint64
	for {
		page, err := p.d.Archive.Raw(ctx, devEUI, after, rawPage)
		if err != nil {
			return nil, fmt.Errorf("pipeline: read raw uplinks of %s: %w", devEUI, err)
		}
		for _, r := range page {
			after = r.Seq
			switch {
			case r.DedupKey == "": // malformed: nothing that names the uplink
			case r.Outcome == store.OutcomeDecoded:
				decoded[r.DedupKey] = true
			case redecodable[r.Outcome] && !picked[r.DedupKey]:
				picked[r.DedupKey] = true
				todo = append(todo, r)
			}
		}
		if len(page) < rawPage {
			break
		}
	}
	n := 0
	for _, r := range todo {
		if !decoded[r.DedupKey] && !p.isUnkept(r.DedupKey) {
			todo[n] = r
			n++
		}
	}
	return todo[:n], nil
}

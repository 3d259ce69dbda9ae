package pipeline

import (
	"context"
	"fmt"
	"time"

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
// through the data path as a new uplink of source "redecode" with its reception times, so
// its Observations land where they belong in their series, and is kept raw again with its
// new outcome and the number of the one it decodes again. It returns once every one is
// kept, with their outcomes. One Redecode runs at a time, so that none decodes an uplink
// another is decoding.
func (p *Pipeline) Redecode(ctx context.Context, devEUI string) (devices.RedecodeReport, error) {
	p.redecodeMu.Lock()
	todo, last, err := p.undecoded(ctx, devEUI)
	if err != nil || len(todo) == 0 {
		p.redecodeMu.Unlock()
		return devices.RedecodeReport{Outcomes: map[string]int{}}, err
	}

	settled := make(chan bool, len(todo)) // whether each was kept
	sent := 0
	for _, raw := range todo {
		m := ingest.Message{Source: RedecodeSource, Topic: raw.Topic, Body: raw.Envelope,
			ArrivedAt: raw.ReceivedAt, Redecodes: raw.Seq}
		if err = p.submit(ctx, queued{msg: m, finish: func(kept bool) { settled <- kept }}); err != nil {
			break
		}
		sent++
	}
	failed := 0
	for sent > 0 && err == nil {
		select {
		case kept := <-settled:
			sent--
			if !kept {
				failed++
			}
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	// Until the uplinks already queued are kept, no other Redecode may start: it would not
	// find them decoded yet, and decode them twice.
	go p.settleThenUnlock(settled, sent)
	if err != nil {
		return devices.RedecodeReport{}, fmt.Errorf("pipeline: decode %s again: %w", devEUI, err)
	}
	if failed > 0 {
		return devices.RedecodeReport{}, fmt.Errorf("pipeline: decode %s again: %d of %d "+
			"not kept; the log says why", devEUI, failed, len(todo))
	}
	return p.redecoded(ctx, devEUI, last, len(todo))
}

// settleWait bounds how long Redecode's lock waits for uplinks it queued after its caller
// gave up.
const settleWait = 2 * time.Minute

// settleThenUnlock waits for n more settled uplinks, or settleWait, and releases Redecode.
func (p *Pipeline) settleThenUnlock(settled <-chan bool, n int) {
	defer p.redecodeMu.Unlock()
	timeout := time.NewTimer(settleWait)
	defer timeout.Stop()
	for ; n > 0; n-- {
		select {
		case <-settled:
		case <-timeout.C:
			return
		}
	}
}

// undecoded returns the raw uplinks of devEUI to decode again, one per uplink, oldest
// first, and the last sequence number it read.
func (p *Pipeline) undecoded(ctx context.Context, devEUI string) ([]store.RawUplink, uint64,
	error) {
	decoded := map[string]bool{} // dedup keys: one uplink, however often it was kept
	picked := map[string]bool{}
	var todo []store.RawUplink
	var after uint64
	for {
		page, err := p.d.Archive.Raw(ctx, devEUI, after, rawPage)
		if err != nil {
			return nil, 0, fmt.Errorf("pipeline: read raw uplinks of %s: %w", devEUI, err)
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
		if !decoded[r.DedupKey] {
			todo[n] = r
			n++
		}
	}
	return todo[:n], after, nil
}

// redecoded counts the outcomes of the n uplinks Redecode kept after sequence number after.
func (p *Pipeline) redecoded(ctx context.Context, devEUI string, after uint64,
	n int) (devices.RedecodeReport, error) {
	rep := devices.RedecodeReport{Outcomes: map[string]int{}}
	for rep.Uplinks < n {
		page, err := p.d.Archive.Raw(ctx, devEUI, after, rawPage)
		if err != nil {
			return rep, fmt.Errorf("pipeline: read raw uplinks of %s: %w", devEUI, err)
		}
		for _, r := range page {
			after = r.Seq
			if r.Source == RedecodeSource {
				rep.Uplinks++
				rep.Outcomes[string(r.Outcome)]++
			}
		}
		if len(page) < rawPage {
			break
		}
	}
	return rep, nil
}

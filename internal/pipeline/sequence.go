package pipeline

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/ingest/chirpstack"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/profile"
	"github.com/vindel-hub/vindel/internal/store"
)

// maxBatch bounds how many results the sequencer turns into one store write.
const maxBatch = 512

// sequence is the single goroutine that orders the data path: it assigns stream offsets, so
// Observation ids increase in the order they are stored and published, keeps every raw
// uplink with its outcome, and writes and publishes Observations in batches.
func (p *Pipeline) sequence() {
	ctx := context.Background() // the sequencer drains after shutdown starts; see Run
	batch := make([]result, 0, maxBatch)
	for r := range p.results {
		batch = takeReady(p.results, append(batch[:0], r), maxBatch)
		p.durable <- p.settle(ctx, batch)
	}
}

// settle turns a batch of results into Observations and writes them, then keeps the raw
// envelopes with their final outcomes and counts them. What it returns waits for the store
// to be durable before anything is published or acknowledged.
func (p *Pipeline) settle(ctx context.Context, batch []result) written {
	n := 0
	for i := range batch {
		n += len(batch[i].readings)
	}
	// A new slice per batch: the publisher hands it to the stream once it is durable.
	obs := make([]model.Observation, 0, n)
	for i := range batch {
		if batch[i].outcome == store.OutcomeDecoded {
			obs = p.observe(ctx, &batch[i], obs)
		}
	}
	stored, err := p.write(ctx, obs)
	if err != nil {
		failed(batch, err)
	}

	raws := p.raws[:0] // the archive keeps no reference to it, so it is reused
	for i := range batch {
		if !batch[i].skip {
			raws = append(raws, p.raw(&batch[i]))
		}
	}
	w := written{obs: stored, kept: p.keep(ctx, raws)}
	clear(raws) // drop the envelopes it points to
	p.raws = raws
	for i := range batch {
		p.count(&batch[i]) // after keeping: what is counted can be found in the archive
		if f := batch[i].finish; f != nil {
			w.finish = append(w.finish, finishing{f, batch[i].outcome})
		}
	}
	return w
}

// written is a batch on its way to the publisher: its stored Observations, whether its raw
// envelopes were kept, and the acknowledgements that wait for both to be durable.
type written struct {
	obs    []model.Observation
	kept   bool
	finish []finishing
}

// finishing is a Message's finishFunc with the outcome it is called with.
type finishing struct {
	finish  finishFunc
	outcome store.Outcome
}

// failed marks the decoded results of a batch whose Observations the store refused, so their
// raw uplinks are kept as store_error, to be decoded again, rather than as decoded.
func failed(batch []result, err error) {
	for i := range batch {
		if batch[i].outcome == store.OutcomeDecoded {
			batch[i].outcome, batch[i].err = store.OutcomeStoreError, err
		}
	}
}

// count counts one result under its outcome and logs bad device input.
func (p *Pipeline) count(r *result) {
	if r.skip {
		p.uplinks(r.msg.Source, "not_uplink").Inc()
		return
	}
	p.uplinks(r.msg.Source, string(r.outcome)).Inc()
	if r.err != nil && r.outcome != store.OutcomeStoreError {
		p.warn.bad(r) // the store's failure was logged at Error by write
	}
}

// observe turns a decoded result's readings into Observations of their Datastreams.
func (p *Pipeline) observe(ctx context.Context, r *result, obs []model.Observation) []model.Observation {
	received := plausible(r.up.ReceivedAt, r.msg.ArrivedAt)
	if received != r.up.ReceivedAt && !r.up.ReceivedAt.IsZero() {
		p.warn.clock(r, "reception time", r.up.ReceivedAt)
	}
	for _, rd := range r.readings {
		ds, err := p.datastream(ctx, r, rd.Field)
		if err != nil {
			p.d.Log.Error("create datastream", "dev_eui", r.device.DevEUI,
				"profile", r.profile.Key(), "err", err)
			continue
		}
		phen := plausible(rd.Time, received)
		if phen != rd.Time && !rd.Time.IsZero() {
			p.warn.clock(r, "device time", rd.Time)
		}
		obs = append(obs, model.Observation{
			ID: p.nextID, DatastreamID: ds.ID, PhenomenonTime: phen, ResultTime: received,
			Result: rd.Value,
		})
		p.nextID++
	}
	return obs
}

// raw is the archive record of a result: the envelope as received, with its outcome, under
// the result's devEUI.
func (p *Pipeline) raw(r *result) store.RawUplink {
	raw := store.RawUplink{
		ReceivedAt: r.msg.ArrivedAt, Source: r.msg.Source, Topic: r.msg.Topic,
		DevEUI: r.devEUI(), Outcome: r.outcome, Envelope: r.msg.Body,
	}
	if r.msg.Redecodes != 0 {
		// Kept now: the archive's reception times follow its sequence numbers, which the
		// rebuild of the dedup window on start-up relies on.
		raw.ReceivedAt = time.Now().UTC()
	}
	if r.up.DevEUI != "" && r.outcome != store.OutcomeMalformed {
		raw.DedupKey = archiveKey(r.up.Key(), r.up.ReceivedAt)
	}
	if r.err != nil {
		raw.Detail = r.err.Error()
	}
	if n := r.msg.Redecodes; n != 0 {
		raw.Detail = strings.TrimPrefix(raw.Detail+"; decoded again from raw uplink "+
			strconv.FormatUint(n, 10), "; ")
	}
	return raw
}

// devEUI is the DevEUI a result belongs to: its envelope's, or, when the envelope named
// none or could not be read, that of the ChirpStack topic it came on.
func (r *result) devEUI() string {
	if r.up.DevEUI != "" {
		return r.up.DevEUI
	}
	eui, _ := chirpstack.TopicDevEUI(r.msg.Topic)
	return eui
}

// keep archives a batch's raw envelopes in one write and reports whether they are kept. An
// archive failure is the hub's fault and is logged at Error, but never stops the data path;
// the transports then do not acknowledge, so the messages come again.
func (p *Pipeline) keep(ctx context.Context, raws []store.RawUplink) bool {
	if len(raws) == 0 {
		return true
	}
	if _, err := p.d.Archive.Keep(ctx, raws...); err != nil {
		p.d.Log.Error("keep raw uplinks; not acknowledged", "count", len(raws), "err", err)
		return false
	}
	return true
}

// write hands Observations to the store, which reads them until the next Flush and never
// changes them, and returns them for the publisher.
func (p *Pipeline) write(ctx context.Context, obs []model.Observation) ([]model.Observation, error) {
	if len(obs) == 0 {
		return nil, nil
	}
	start := time.Now()
	if err := p.d.Store.Append(ctx, obs); err != nil {
		p.d.Metrics.StoreErrors.Inc()
		p.d.Log.Error("store observations", "count", len(obs), "err", err)
		return nil, err
	}
	p.d.Metrics.StoreSeconds.Observe(time.Since(start).Seconds())
	return obs, nil
}

// publish waits for the store to make written batches durable (Flush syncs the raw envelopes
// kept before it too), then hands their Observations to the stream, so that a client that
// sees one on the stream finds it on /v1.1 too, and releases their acknowledgements, so that
// a transport acknowledges nothing the hub could still lose. It waits for the store per
// group of batches, not per batch: when writes come fast, one Flush covers many of them.
//
// A Flush syncs two files, and on a virtual machine a sync costs a tenth of a millisecond
// of CPU or more, whatever it writes. So under load (the last group held at least
// gatherAbove uplinks, and more were waiting once its acknowledgements had gone out) a group
// gathers until syncEvery has passed since that Flush began, or until no batch has come for
// gatherGap; otherwise each is flushed at once. Under load this adds at most syncEvery to an
// acknowledgement. The gap ends the wait behind a broker that sends nothing more until it
// sees acknowledgements (an in-flight window, as MQTT brokers keep per session): idling
// there would only slow the hub down.
func (p *Pipeline) publish() {
	ctx := context.Background()
	var began time.Time // of the last Flush
	busy := false
	for first := range p.durable {
		group := []written{first}
		if busy {
			group = p.gather(group, began.Add(syncEvery))
		}
		group = takeReady(p.durable, group, math.MaxInt)
		began = time.Now()
		err := p.d.Store.Flush(ctx)
		if err != nil {
			p.d.Metrics.StoreErrors.Inc()
			p.d.Log.Error("flush observations; not published", "batches", len(group), "err", err)
		}
		for _, w := range group {
			if err == nil && len(w.obs) > 0 {
				p.d.Metrics.Observations.Add(float64(len(w.obs)))
				p.d.Stream.Publish(w.obs)
			}
			for _, f := range w.finish {
				f.finish(f.outcome, w.kept && err == nil)
			}
		}
		busy = underLoad(uplinksIn(group), len(p.durable))
	}
}

// underLoad reports whether, after a Flush of flushed uplinks with waiting batches queued
// behind it, the next group should gather until syncEvery.
func underLoad(flushed, waiting int) bool { return waiting > 0 && flushed >= gatherAbove }

// syncEvery is how often, at most, publish flushes under load; gatherAbove the uplinks in a
// group that, with more waiting, make it load; gatherGap how long a gathering group waits
// for the next batch.
const (
	syncEvery   = 4 * time.Millisecond
	gatherAbove = 64
	gatherGap   = 200 * time.Microsecond
)

func uplinksIn(group []written) int {
	n := 0
	for _, w := range group {
		n += len(w.finish)
	}
	return n
}

// gather adds the batches that come until deadline, until none has come for gatherGap, or
// until the channel closes.
func (p *Pipeline) gather(group []written, deadline time.Time) []written {
	wait := time.Until(deadline)
	if wait <= 0 {
		return group
	}
	end := time.NewTimer(wait)
	defer end.Stop()
	gap := time.NewTimer(min(gatherGap, wait))
	defer gap.Stop()
	for {
		select {
		case w, ok := <-p.durable:
			if !ok {
				return group
			}
			group = append(group, w)
			gap.Reset(gatherGap)
		case <-gap.C:
			return group
		case <-end.C:
			return group
		}
	}
}

// takeReady appends to buf what ch holds already, without waiting, until buf holds limit.
func takeReady[T any](ch <-chan T, buf []T, limit int) []T {
	for len(buf) < limit {
		select {
		case v, ok := <-ch:
			if !ok {
				return buf
			}
			buf = append(buf, v)
		default:
			return buf
		}
	}
	return buf
}

// uplinks returns the uplink counter of a source and outcome. Only the sequencer calls it, so
// its cache needs no lock; it saves the label lookup per uplink.
func (p *Pipeline) uplinks(source, outcome string) prometheus.Counter {
	key := [2]string{source, outcome}
	c, ok := p.counters[key]
	if !ok {
		c = p.d.Metrics.Uplinks.WithLabelValues(source, outcome)
		p.counters[key] = c
	}
	return c
}

// dsKey names a Datastream by what the sequencer has at hand. A device that is updated is a
// new *devices.Device, so its entries are looked up afresh.
type dsKey struct {
	device  *devices.Device
	profile *profile.Profile
	field   int
}

// datastream returns the Datastream of a reading, from the sequencer's own cache (it needs no
// lock: only the sequencer uses it) or from the registry, which creates it on first sight.
func (p *Pipeline) datastream(ctx context.Context, r *result, field int) (*model.Datastream, error) {
	key := dsKey{r.device, r.profile, field}
	if ds, ok := p.streams[key]; ok {
		return ds, nil
	}
	res := r.profile.Resolved(field)
	ds, err := p.d.Registry.Datastream(ctx, r.device, r.profile.Sensor(), res.Property,
		model.Datastream{Field: r.profile.Fields[field].Path, Unit: res.Unit, ObservationType: res.Type})
	if err != nil {
		return nil, err
	}
	if len(p.streams) >= maxCachedStreams {
		clear(p.streams) // entries of updated devices pile up otherwise
	}
	p.streams[key] = ds
	return ds, nil
}

// maxCachedStreams bounds the sequencer's Datastream cache.
const maxCachedStreams = 1 << 20

// Times outside [minTime, ref+maxAhead] are a wrong clock, not a measurement: a gateway or
// device that never set its clock (1970), or one far in the future, which would otherwise
// stand as a Datastream's latest value for good.
var minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxAhead = time.Hour

// plausible returns t, or ref when t is zero or outside the window around ref.
func plausible(t, ref time.Time) time.Time {
	if t.IsZero() || t.Before(minTime) || t.After(ref.Add(maxAhead)) {
		return ref
	}
	return t
}

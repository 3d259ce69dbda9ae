package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/envelope"
	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/profile"
	"github.com/vindel-hub/vindel/internal/store"
)

// result is what a worker learned of one Message; the sequencer turns it into Observations.
type result struct {
	msg      ingest.Message
	up       ingest.Uplink
	outcome  store.Outcome
	err      error // why, for outcomes other than decoded
	skip     bool  // not an uplink (join, status, ...): neither counted as bad nor kept
	device   *devices.Device
	profile  *profile.Profile
	readings []profile.Reading
	finish   finishFunc // nil when nothing waits for the Message
}

// process runs the parallel part of the data path for one Message: parse, de-duplicate, look
// up the device and profile, decode and extract readings.
func (p *Pipeline) process(m ingest.Message) result {
	r := result{msg: m}
	up, err := envelope.Parse(m)
	r.up = up
	if err != nil {
		if errors.Is(err, ingest.ErrNotUplink) {
			r.skip = true
			return r
		}
		r.outcome, r.err = store.OutcomeMalformed, err
		return r
	}
	// A redecode is the copy of an uplink kept before: the window must not drop it. Key is
	// called on r.up, which keeps it for raw.
	if m.Redecodes == 0 && p.dedup.seen(r.up.Key(), up.ReceivedAt) {
		r.outcome = store.OutcomeDuplicate
		return r
	}

	dev, ok := p.d.Registry.All().DeviceByEUI(up.DevEUI)
	if !ok {
		r.outcome, r.err = store.OutcomeUnknownDevice, fmt.Errorf("DevEUI %s is not registered", up.DevEUI)
		return r
	}
	r.device = dev
	prof, ok := p.d.Profiles.Select(dev.Profile, dev.Firmware)
	if !ok {
		r.outcome = store.OutcomeNoProfile
		r.err = fmt.Errorf("no firmware profile %q covers firmware %q", dev.Profile, dev.Firmware)
		return r
	}
	r.profile = prof

	start := time.Now()
	received := up.ReceivedAt // what a decoder reads relative times from
	if received.IsZero() {
		received = m.ArrivedAt // also a redecode's: when the uplink first came
	}
	out, err := prof.Decoder().Decode(codec.Input{
		FPort: up.FPort, Bytes: up.Payload, ReceivedAt: received, Variables: prof.Variables,
	})
	p.d.Metrics.DecodeSeconds.WithLabelValues(prof.DecoderName).Observe(time.Since(start).Seconds())
	if err != nil {
		r.outcome, r.err = store.OutcomeDecodeError, fmt.Errorf("%s on FPort %d: %w",
			prof.DecoderName, up.FPort, err)
		return r
	}
	r.outcome = store.OutcomeDecoded
	r.readings = prof.Extract(out.Data, make([]profile.Reading, 0, len(prof.Fields)))
	return r
}

package sensorthings

import (
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// span is a time interval as 18-088 writes it, "start/end" (TM_Period); the zero span is
// absent.
type span struct{ start, end time.Time }

func (s span) String() string { return formatTime(s.start) + "/" + formatTime(s.end) }

func (s span) orNil() any {
	if s.start.IsZero() {
		return nil
	}
	return s
}

// dsTimes are the server-maintained intervals of a Datastream (18-088 Table 13):
// phenomenonTime from its first to its last Observation, resultTime over the result times
// of those two (an approximation: the store keeps no index on resultTime; LoRaWAN result
// times are reception times and grow with the phenomenon time).
type dsTimes struct{ phenomenon, result span }

// dsTimes reads the intervals of a Datastream: the first Observation with one Range of
// limit 1, the last from the store's Latest (read once per request). A store failure is
// recorded in rq and fails the request after rendering.
func (rq *request) dsTimes(id int64) dsTimes {
	if t, ok := rq.times[id]; ok {
		return t
	}
	var t dsTimes
	defer func() { rq.times[id] = t }()

	first, err := rq.h.st.Range(rq.ctx, store.RangeQuery{DatastreamID: id, Limit: 1})
	if err != nil {
		rq.fail(storeError("first observation", err))
		return t
	}
	last, ok := rq.latestOf(id)
	if len(first) == 0 || !ok {
		return t
	}
	a, b := first[0], last
	t.phenomenon = span{a.PhenomenonTime, b.PhenomenonTime}
	if !a.ResultTime.IsZero() && !b.ResultTime.IsZero() {
		lo, hi := a.ResultTime, b.ResultTime
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		t.result = span{lo, hi}
	}
	return t
}

func (rq *request) latestOf(id int64) (model.Observation, bool) {
	rq.latestOnce.Do(func() {
		rq.latest, rq.latestErr = rq.h.st.Latest(rq.ctx)
		if rq.latestErr != nil {
			rq.fail(storeError("latest observations", rq.latestErr))
		}
	})
	o, ok := rq.latest[id]
	return o, ok
}

// fail records the first store failure met while evaluating or rendering, where getters
// cannot return errors.
func (rq *request) fail(err error) {
	if rq.err == nil {
		rq.err = err
	}
}

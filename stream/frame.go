package stream

import (
	"encoding/json"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// The frame types, also the SSE event names.
const (
	typeObservation = "observation"
	typeSubscribed  = "subscribed"
	typeCaughtUp    = "caughtUp"
	typeError       = "error"
)

// The error codes of error frames.
const (
	codeBadRequest    = "bad_request"
	codeReplayLimited = "replay_limited"
	codeFromAhead     = "from_ahead"
	codeReplayFailed  = "replay_failed"
	codeTooSlow       = "too_slow"
)

// observationFrame is one Observation as the stream sends it.
type observationFrame struct {
	Type           string      `json:"type"`
	Offset         uint64      `json:"offset"`
	Datastream     int64       `json:"datastream"`
	DevEUI         string      `json:"devEui"`
	Property       string      `json:"property"`
	Unit           string      `json:"unit"`
	PhenomenonTime *string     `json:"phenomenonTime"`
	ResultTime     *string     `json:"resultTime"`
	Result         model.Value `json:"result"`
}

// subscribedFrame confirms a subscription.
type subscribedFrame struct {
	Type   string     `json:"type"`
	Filter filterSpec `json:"filter"`
	From   *uint64    `json:"from,omitempty"`
	Head   uint64     `json:"head"`
}

// caughtUpFrame marks the end of a replay.
type caughtUpFrame struct {
	Type   string `json:"type"`
	Offset uint64 `json:"offset"`
}

// errorFrame reports a problem; From is set for replay_limited.
type errorFrame struct {
	Type    string  `json:"type"`
	Code    string  `json:"code"`
	Message string  `json:"message"`
	From    *uint64 `json:"from,omitempty"`
}

// encodeObservation builds the frame of o, whose Datastream is ds.
func encodeObservation(o *model.Observation, ds *model.Datastream) []byte {
	unit := ds.Unit.UCUM
	if unit == "" {
		unit = ds.Unit.Symbol
	}
	return mustJSON(observationFrame{
		Type: typeObservation, Offset: o.ID, Datastream: o.DatastreamID,
		DevEUI: ds.DevEUI, Property: ds.Property, Unit: unit,
		PhenomenonTime: timeString(o.PhenomenonTime), ResultTime: timeString(o.ResultTime),
		Result: o.Result,
	})
}

// encodeError builds an error frame.
func encodeError(code, msg string, from *uint64) []byte {
	return mustJSON(errorFrame{Type: typeError, Code: code, Message: msg, From: from})
}

// timeString formats t as RFC 3339 in UTC, or nil for the zero time.
func timeString(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// mustJSON marshals one of the frame types above, which cannot fail: they hold only strings,
// numbers and model.Value, whose MarshalJSON writes non-finite numbers as null.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("stream: encoding a frame: " + err.Error())
	}
	return b
}

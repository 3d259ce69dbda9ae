// Package model holds the one observation model that every output is a view of: Things,
// Sensors, ObservedProperties, Datastreams and Observations, named as in SensorThings.
package model

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Observation is one measured value. Its ID is the hub's stream offset: monotonic, never
// reused, and the same number in SensorThings (@iot.id), NGSI-LD, the stream and downloads.
type Observation struct {
	ID             uint64
	DatastreamID   int64
	PhenomenonTime time.Time // the device's own time if it sent one, else ReceivedAt (UTC)
	ResultTime     time.Time // when the network server received the uplink (UTC)
	Result         Value
}

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of result.
const (
	KindNull Kind = iota
	KindNumber
	KindString
	KindBool
)

// Value is an observation result: a number, a string or a boolean. It is a small value type,
// not an interface, so observations are stored and copied without allocating.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
}

// Number returns a numeric Value.
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// String returns a string Value.
func String(s string) Value { return Value{Kind: KindString, Str: s} }

// Bool returns a boolean Value.
func Bool(b bool) Value {
	v := Value{Kind: KindBool}
	if b {
		v.Num = 1
	}
	return v
}

// ValueOf converts a decoded JSON value to a Value; ok is false for objects and arrays.
func ValueOf(x any) (v Value, ok bool) {
	switch t := x.(type) {
	case nil:
		return Value{}, true
	case float64:
		return Number(t), true
	case int:
		return Number(float64(t)), true
	case int64:
		return Number(float64(t)), true
	case string:
		return String(t), true
	case bool:
		return Bool(t), true
	case json.Number:
		f, err := t.Float64()
		return Number(f), err == nil
	}
	return Value{}, false
}

// Any returns v as a Go value for encoding/json: float64, string, bool or nil.
func (v Value) Any() any {
	switch v.Kind {
	case KindNumber:
		return v.Num
	case KindString:
		return v.Str
	case KindBool:
		return v.Num != 0
	}
	return nil
}

// MarshalJSON writes v as a JSON number, string, boolean or null. NaN and infinities, which
// JSON cannot carry, are written as null.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Kind == KindNumber && (math.IsNaN(v.Num) || math.IsInf(v.Num, 0)) {
		return []byte("null"), nil
	}
	return json.Marshal(v.Any())
}

// UnmarshalJSON reads a JSON scalar into v.
func (v *Value) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	val, ok := ValueOf(x)
	if !ok {
		return fmt.Errorf("model: result %s is not a scalar", b)
	}
	*v = val
	return nil
}

// Unit is a unit of measurement as SensorThings describes it, with the UCUM code as the
// definition's key.
type Unit struct {
	Name       string `json:"name" yaml:"name"`
	Symbol     string `json:"symbol" yaml:"symbol"`
	Definition string `json:"definition" yaml:"definition"` // a UCUM URI
	UCUM       string `json:"ucum,omitempty" yaml:"ucum"`   // UCUM code, e.g. "Cel"
}

// ObservedProperty is the phenomenon a Datastream observes, e.g. air temperature.
type ObservedProperty struct {
	ID          int64
	Name        string // stable key, e.g. "air_temperature"
	Definition  string // URI of the definition
	Description string
	NGSI        string // NGSI-LD attribute name, e.g. "temperature"
}

// Sensor is a firmware profile seen as a SensorThings Sensor: the model of device and the
// firmware version range that produce a Datastream's values.
type Sensor struct {
	ID          int64
	Key         string // profile key, e.g. "elsys/ers-co2@1"
	Name        string
	Description string
	Metadata    string // URL of the vendor's datasheet or payload documentation
}

// Datastream is the series of Observations of one ObservedProperty by one device.
type Datastream struct {
	ID                 int64
	ThingID            int64
	DevEUI             string
	SensorID           int64
	ObservedPropertyID int64
	Property           string // ObservedProperty.Name, denormalized for filters
	Field              string // the path in the decoded object the values come from
	Name               string
	Description        string
	Unit               Unit
	ObservationType    string // an O&M type URI
	Created            time.Time
}

// The O&M observation types (OGC 18-088 Table 13).
const (
	OMMeasurement = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
	OMCountObs    = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
	OMTruthObs    = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation"
	OMCategoryObs = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation"
	OMObservation = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation"
)

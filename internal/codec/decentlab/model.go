package decentlab

import (
	"fmt"
	"math/bits"
	"strconv"

	"github.com/vindel-hub/vindel/internal/codec"
)

// formula computes one value from a sensor's words x (as float64, the way the vendor's
// JavaScript sees them) and the model's parameters p, in the order of model.params.
// Formulas keep the vendor's order of operations so results match to the last bit.
type formula func(x, p []float64) float64

// unitKind says how the unit appears in the output object.
type unitKind uint8

const (
	unitSet     unitKind = iota // "unit": "<unit>"
	unitOmitted                 // no "unit" key
	unitNull                    // "unit": null, as some vendor examples have
)

// value is one output quantity of a sensor.
type value struct {
	name        string // output key, e.g. "air_temperature"
	displayName string
	unit        string
	unitKind    unitKind
	f           formula

	// displayAny and unitAny hold the strings already boxed, so decoding does not
	// allocate for them.
	displayAny any
	unitAny    any
}

// sensor is one flag bit of the frame: how many 16-bit words it sends, and what they mean.
type sensor struct {
	words  int
	values []value
}

// param is a device-specific constant of a model (a calibration, a range); a device variable
// of the same name overrides the default.
type param struct {
	name string
	def  float64
}

// model is one DL- product: its sensors in flag-bit order.
type model struct {
	name    string // lower case, e.g. "dl-sht35"
	source  string // where the formulas were read
	params  []param
	sensors []sensor
}

// v is a value with a unit.
func v(name, display, unit string, f formula) value {
	return value{name: name, displayName: display, unit: unit, unitKind: unitSet, f: f,
		displayAny: display, unitAny: unit}
}

// vn is a value without a unit key.
func vn(name, display string, f formula) value {
	return value{name: name, displayName: display, unitKind: unitOmitted, f: f,
		displayAny: display}
}

// vnull is a value whose unit is written as null.
func vnull(name, display string, f formula) value {
	return value{name: name, displayName: display, unitKind: unitNull, f: f,
		displayAny: display}
}

// countValues is the number of output values the set flags produce, to size the map.
func (m *model) countValues(flags uint16) int {
	n := 0
	for f := uint(flags); f != 0; f &= f - 1 {
		i := bits.TrailingZeros(f)
		if i >= len(m.sensors) {
			break
		}
		n += len(m.sensors[i].values)
	}
	return n
}

// resolveParams returns the model's parameters, each overridden by the device variable of
// the same name if there is one.
func (m *model) resolveParams(vars map[string]string) ([]float64, error) {
	if len(m.params) == 0 {
		return nil, nil
	}
	p := make([]float64, len(m.params))
	for i, pr := range m.params {
		p[i] = pr.def
		s, ok := vars[pr.name]
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("decentlab %s: device variable %s=%q: %w",
				m.name, pr.name, s, err)
		}
		p[i] = f
	}
	return p, nil
}

// Decoders returns the package's decoders by the name firmware profiles use:
// "decentlab-<model>", e.g. "decentlab-dl-sht35".
func Decoders() map[string]codec.Decoder {
	ms := allModels()
	out := make(map[string]codec.Decoder, len(ms))
	for _, m := range ms {
		out["decentlab-"+m.name] = decoder{m: m}
	}
	return out
}

// Formula helpers. Each keeps the vendor's operation order: raw(i) is x[i];
// offDiv(i, o, d) is (x[i] - o) / d; off(i, o) is x[i] - o; mul(i, k) is x[i] * k.

func raw(i int) formula { return func(x, _ []float64) float64 { return x[i] } }

func offDiv(i int, o, d float64) formula {
	return func(x, _ []float64) float64 { return (x[i] - o) / d }
}

func off(i int, o float64) formula { return func(x, _ []float64) float64 { return x[i] - o } }

func div(i int, d float64) formula { return func(x, _ []float64) float64 { return x[i] / d } }

func mul(i int, k float64) formula { return func(x, _ []float64) float64 { return x[i] * k } }

// battery is the last sensor of nearly every model: one word, millivolts.
var battery = sensor{1, []value{v("battery_voltage", "Battery voltage", "V", div(0, 1000))}}

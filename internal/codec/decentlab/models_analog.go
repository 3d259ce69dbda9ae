package decentlab

import "math"

// Models built on the DL-DLR2 analog/digital input device, and strain, weight and position
// sensors that share its 24-bit ADC words.

var analogModels = []*model{
	{name: "dl-dlr2-002", source: src + "dl-dlr2-002.js", sensors: []sensor{
		{4, pulseValues("", "")},
		battery,
	}},
	{name: "dl-dlr2-003", source: src + "dl-dlr2-003.js", sensors: []sensor{
		{1, []value{vn("input", "Input", raw(0))}},
		battery,
	}},
	{name: "dl-dlr2-004", source: src + "dl-dlr2-004-10.js",
		params: []param{{"R", 10.0}},
		sensors: []sensor{
			{1, []value{v("current", "Current", "mA", func(x, p []float64) float64 {
				return 3 * (x[0] - 32768) / 32768 / 2 / p[0] * 1000
			})}},
			battery,
		}},
	{name: "dl-dlr2-005", source: src + "dl-dlr2-005.js", sensors: []sensor{
		{2, []value{v("voltage", "Voltage", "V", func(x, _ []float64) float64 {
			return 3 * adc24(x)
		})}},
		battery,
	}},
	{name: "dl-dlr2-006", source: src + "dl-dlr2-006.js", sensors: []sensor{
		{2, []value{vn("potentiometer_position", "Potentiometer position",
			func(x, _ []float64) float64 { return adc24(x) * 1 })}},
		battery,
	}},
	{name: "dl-dlr2-008", source: src + "dl-dlr2-008-2000.js",
		params: []param{{"R", 2000}},
		sensors: []sensor{
			{2, []value{v("temperature", "Temperature", "°C", pt1000Temp)}},
			battery,
		}},
	{name: "dl-dlr2-009", source: src + "dl-dlr2-009-2000.js", sensors: []sensor{
		{2, []value{
			v("thermistor_resistance", "Thermistor resistance", "Ω", dlr2009Resistance),
			v("temperature", "Temperature", "°C", func(x, p []float64) float64 {
				r := dlr2009Resistance(x, p)
				return -245.18 + 0.23469*r + 0.0000104876*math.Pow(r, 2)
			}),
		}},
		battery,
	}},
	{name: "dl-dlr2-010", source: src + "dl-dlr2-010.js", sensors: []sensor{
		{4, pulseValues("ch0_", "CH0: ")},
		{4, pulseValues("ch1_", "CH1: ")},
		battery,
	}},
	{name: "dl-dlr2-011", source: src + "dl-dlr2-011.js", sensors: []sensor{
		{1, []value{vn("ch0_input", "CH0: Input", raw(0))}},
		{1, []value{vn("ch1_input", "CH1: Input", raw(0))}},
		battery,
	}},
	{name: "dl-dlr2-012", source: src + "dl-dlr2-012.js", sensors: []sensor{
		{2, []value{v("strain_gauge", "Strain gauge", "µm⋅m⁻¹",
			func(x, _ []float64) float64 { return adc24(x) / 64 * 4 / 2.02 * 1000000 })}},
		battery,
	}},
	{name: "dl-lpw", source: src + "dl-lpw.js", sensors: []sensor{
		{2, []value{v("potentiometer_position", "Potentiometer position", "%",
			func(x, _ []float64) float64 { return adc24(x) * 1 * 100 })}},
		battery,
	}},
	{name: "dl-blg", source: src + "dl-blg.js@1d6e76fccf", sensors: []sensor{
		{2, []value{
			vn("voltage_ratio", "Voltage ratio", blgRatio),
			v("thermistor_resistance", "Thermistor resistance", "Ω", blgResistance),
			v("temperature", "Temperature", "°C", blgTemp),
		}},
		battery,
	}},
	{name: "dl-kl66", source: src + "dl-kl66-1538372-464859.js",
		params: []param{{"f0", 15383.72}, {"k", 46.4859}},
		sensors: []sensor{
			{3, kl66Values()},
			battery,
		}},
	{name: "dl-dws", source: src + "dl-dws-232263168-0000302459-1370.js",
		params: []param{{"f02", 232263168}, {"s", 0.000302459}, {"m0", 1370}},
		sensors: []sensor{
			{3, []value{
				v("frequency", "Frequency", "Hz", frequency),
				v("weight", "Weight", "g", func(x, p []float64) float64 {
					return (math.Pow(frequency(x, p), 2)-p[0])*p[1] + p[2]
				}),
			}},
			battery,
		}},
}

// pulseValues are the counter values of a DLR2 pulse input, with a key and name prefix.
func pulseValues(key, name string) []value {
	return []value{
		vn(key+"pulse_count", name+"Pulse count", raw(0)),
		v(key+"pulse_interval", name+"Pulse interval", "s", raw(1)),
		vn(key+"cumulative_pulse_count", name+"Cumulative pulse count", uint32LowFirst(2, 3)),
	}
}

// pt1000Temp is the DLR2-008 PT1000 bridge: half the ADC ratio gives the resistance
// against the reference R (parameter 0), and a quadratic gives °C.
func pt1000Temp(x, p []float64) float64 {
	h := adc24(x) / 2
	r := h * p[0] / (1 - h)
	return -244.83 + 2.3419*r + 0.0010664*math.Pow(r, 2)
}

func dlr2009Resistance(x, _ []float64) float64 {
	return adc24(x) * 2000 / (1 - adc24(x))
}

func blgRatio(x, _ []float64) float64 { return adc24(x) / 2 }

func blgResistance(x, p []float64) float64 { return 1000/blgRatio(x, p) - 41000 }

// blgTemp is the Steinhart-Hart equation of the BLG thermistor.
func blgTemp(x, p []float64) float64 {
	lnR := math.Log(blgResistance(x, p))
	return (1 / (0.0008271111 + 0.000208802*lnR + 0.000000080592*math.Pow(lnR, 3))) - 273.15
}

// frequency is counter x0 over interval x1 (in 1/32768 s), in Hz.
func frequency(x, _ []float64) float64 { return x[0] / x[1] * 32768 }

// kl66Weight is the strain gauge load from the squared frequency shift against f0
// (parameter 0), scaled by k (parameter 1).
func kl66Weight(x, p []float64) float64 {
	return (math.Pow(frequency(x, p), 2) - math.Pow(p[0], 2)) * p[1] / 1000000
}

func kl66Elongation(x, p []float64) float64 { return kl66Weight(x, p) * (-1.5) / 1000 * 9.8067 }

func kl66Values() []value {
	return []value{
		vn("counter_reading", "Counter reading", raw(0)),
		vn("measurement_interval", "Measurement interval", div(1, 32768)),
		v("frequency", "Frequency", "Hz", frequency),
		v("weight", "Weight", "g", kl66Weight),
		v("elongation", "Elongation", "µm", kl66Elongation),
		v("strain", "Strain", "µm⋅m⁻¹", func(x, p []float64) float64 {
			return kl66Elongation(x, p) / 0.066
		}),
	}
}

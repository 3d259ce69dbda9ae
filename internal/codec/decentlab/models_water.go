package decentlab

// Water level, pressure, rain and water quality models.

var waterModels = []*model{
	{name: "dl-ctd10", source: src + "dl-ctd10.js", sensors: []sensor{
		{4, []value{
			v("water_depth", "Water depth", "mm", off(0, 32768)),
			v("temperature", "Temperature", "°C", offDiv(1, 32768, 10)),
			v("electrical_conductivity", "Electrical conductivity", uscm, raw(2)),
			vn("freezing_flag", "Freezing flag", raw(3)),
		}},
		battery,
	}},
	{name: "dl-mbx", source: src + "dl-mbx-codec.yaml@3234bba29f", sensors: []sensor{
		{2, []value{
			v("distance", "Distance", "mm", raw(0)),
			vnull("number_of_valid_samples", "Number of valid samples", raw(1)),
		}},
		battery,
	}},
	{name: "dl-rad", source: src + "dl-rad.js", sensors: []sensor{
		{4, []value{
			v("distance", "Distance", "mm", raw(0)),
			v("temperature", "Temperature", "°C", offDiv(1, 32768, 100)),
			v("reliability", "Reliability", "dB", offDiv(2, 32768, 100)),
			vn("status", "Status", raw(3)),
		}},
		battery,
	}},
	{name: "dl-lid", source: src + "dl-lid.js", sensors: []sensor{
		{11, lidValues()},
		battery,
	}},
	{name: "dl-pr21", source: src + "dl-pr21-1-10.js",
		params:  []param{{"Pmin", -1.0}, {"Pmax", 10.0}},
		sensors: []sensor{{2, keller2xValues()}, battery}},
	{name: "dl-pr26", source: src + "dl-pr26-0-1.js",
		params:  []param{{"Pmin", 0.0}, {"Pmax", 1.0}},
		sensors: []sensor{{2, keller2xValues()}, battery}},
	{name: "dl-pr36", source: src + "dl-pr36-8192.js",
		params: []param{{"kp", 8192}},
		sensors: []sensor{
			{2, []value{
				v("pressure", "Pressure", "bar", func(x, p []float64) float64 {
					return (x[0] - 32768) / p[0]
				}),
				v("temperature", "Temperature", "°C", offDiv(1, 32768, 256)),
			}},
			battery,
		}},
	{name: "dl-pr36ctd", source: src + "dl-pr36ctd-8192-1024.js",
		params: []param{{"kp", 8192}, {"kec", 1024}},
		sensors: []sensor{
			{4, []value{
				v("pressure", "Pressure", "bar", func(x, p []float64) float64 {
					return (x[0] - 32768) / p[0]
				}),
				v("temperature_electronics", "Temperature (electronics)", "°C",
					offDiv(1, 32768, 256)),
				v("temperature_pt1000", "Temperature (PT1000)", "°C", offDiv(2, 32768, 256)),
				v("electrical_conductivity", "Electrical conductivity", "mS⋅cm⁻¹",
					func(x, p []float64) float64 { return (x[3] - 32768) / p[1] }),
			}},
			battery,
		}},
	{name: "dl-tbrg", source: src + "dl-tbrg-01.js",
		params: []param{{"resolution", 0.1}},
		sensors: []sensor{
			{4, []value{
				v("precipitation", "Precipitation", "mm", func(x, p []float64) float64 {
					return x[0] * p[0]
				}),
				v("precipitation_interval", "Precipitation interval", "s", raw(1)),
				v("cumulative_precipitation", "Cumulative precipitation", "mm",
					func(x, p []float64) float64 { return (x[2] + x[3]*65536) * p[0] }),
			}},
			battery,
		}},
	{name: "dl-optod", source: src + "dl-optod.js", sensors: []sensor{
		{5, []value{
			vn("status", "Status", raw(0)),
			v("temperature", "Temperature", "°C", offDiv(1, 32768, 100)),
			v("oxygen_saturation", "Oxygen saturation", "%", offDiv(2, 32768, 100)),
			v("oxygen_concentration", "Oxygen concentration", "mg⋅L⁻¹",
				offDiv(3, 32768, 100)),
			v("oxygen_concentration_alt", "Oxygen concentration (alt)", "ppm",
				offDiv(4, 32768, 100)),
		}},
		battery,
	}},
	{name: "dl-ntu", source: src + "dl-ntu.js", sensors: []sensor{
		{5, []value{
			vn("status", "Status", raw(0)),
			v("temperature", "Temperature", "°C", offDiv(1, 32768, 100)),
			v("turbidity_in_ntu", "Turbidity in NTU", "NTU", div(2, 10)),
			v("turbidity_in_fnu", "Turbidity in FNU", "FNU", div(3, 10)),
			v("turbidity_in_mg_l", "Turbidity in mg/L", "mg⋅L⁻¹", div(4, 10)),
		}},
		battery,
	}},
	{name: "dl-mes5", source: src + "dl-mes5.js", sensors: []sensor{
		{5, []value{
			vn("status", "Status", raw(0)),
			v("temperature", "Temperature", "°C", offDiv(1, 32768, 100)),
			v("sludge_blanket", "Sludge blanket", "%", div(2, 100)),
			v("suspended_solid", "Suspended solid", "g⋅L⁻¹", div(3, 100)),
			v("turbidity", "Turbidity", "FAU", div(4, 10)),
		}},
		battery,
	}},
	{name: "dl-pheht", source: src + "dl-pheht.js", sensors: []sensor{
		{5, []value{
			vn("status", "Status", raw(0)),
			v("temperature", "Temperature", "°C", offDiv(1, 32768, 100)),
			vn("ph", "pH", offDiv(2, 32768, 100)),
			v("redox", "Redox", "mV", offDiv(3, 32768, 10)),
			v("ph_mv", "pH-mV", "mV", offDiv(4, 32768, 10)),
		}},
		battery,
	}},
}

// uscm is electrical conductivity as the vendor spells it.
const uscm = "µS⋅cm⁻¹"

func lidValues() []value {
	return []value{
		v("distance_average", "Distance: average", "mm", raw(0)),
		v("distance_minimum", "Distance: minimum", "mm", raw(1)),
		v("distance_maximum", "Distance: maximum", "mm", raw(2)),
		v("distance_median", "Distance: median", "mm", raw(3)),
		v("distance_10th_percentile", "Distance: 10th percentile", "mm", raw(4)),
		v("distance_25th_percentile", "Distance: 25th percentile", "mm", raw(5)),
		v("distance_75th_percentile", "Distance: 75th percentile", "mm", raw(6)),
		v("distance_90th_percentile", "Distance: 90th percentile", "mm", raw(7)),
		v("distance_most_frequent_value", "Distance: most frequent value", "mm", raw(8)),
		vn("number_of_samples", "Number of samples", raw(9)),
		v("total_acquisition_time", "Total acquisition time", "ms", div(10, 1.024)),
	}
}

// keller2xValues are the pressure and temperature of the PR21/PR26 Keller transmitters: the
// pressure spans parameters Pmin (0) to Pmax (1) over words 16384..49152.
func keller2xValues() []value {
	return []value{
		v("pressure", "Pressure", "bar", func(x, p []float64) float64 {
			return (x[0]-16384)/32768*(p[1]-p[0]) + p[0]
		}),
		v("temperature", "Temperature", "°C", func(x, _ []float64) float64 {
			return (x[1]-384)*0.003125 - 50
		}),
	}
}

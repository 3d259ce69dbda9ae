package decentlab

// Plant, leaf and greenhouse models.

var plantModels = []*model{
	{name: "dl-gmm", source: src + "dl-gmm.js@9dd8e49a49", sensors: []sensor{
		{7, []value{
			v("photosynthetically_active_radiation", "Photosynthetically active radiation",
				"µmol⋅m⁻²⋅s⁻¹", offDiv(0, 32768, 10)),
			v("air_temperature", "Air temperature", "°C", offDiv(1, 32768, 100)),
			v("air_humidity", "Air humidity", "%", offDiv(2, 32768, 10)),
			v("co2_concentration", "CO2 concentration", "ppm", offDiv(3, 32768, 1)),
			v("atmospheric_pressure", "Atmospheric pressure", "kPa", offDiv(4, 32768, 100)),
			v("vapor_pressure_deficit", "Vapor pressure deficit", "kPa",
				offDiv(5, 32768, 100)),
			v("dew_point", "Dew point", "°C", offDiv(6, 32768, 100)),
		}},
		battery,
	}},
	{name: "dl-ifd", source: src + "dl-ifd.js", sensors: []sensor{
		{1, []value{v("fruit_size", "Fruit size", "mm", div(0, 100))}},
		battery,
	}},
	{name: "dl-isd", source: src + "dl-isd.js", sensors: []sensor{
		{1, []value{v("stem_size", "Stem size", "mm", div(0, 1000))}},
		battery,
	}},
	{name: "dl-ilt", source: src + "dl-ilt.js", sensors: []sensor{
		{1, []value{v("leaf_temperature", "Leaf temperature", "°C", offDiv(0, 32768, 100))}},
		battery,
	}},
	{name: "dl-lws", source: src + "dl-lws.js", sensors: []sensor{
		{2, []value{vn("leaf_wetness_index", "Leaf wetness index",
			func(x, _ []float64) float64 { return adc24(x) * 1 })}},
		battery,
	}},
	{name: "dl-zn1", source: src + "dl-zn1.js", sensors: []sensor{
		{2, []value{v("dendrometer_position", "Dendrometer position", "µm",
			func(x, _ []float64) float64 { return adc24(x) * 20000 })}},
		battery,
	}},
	{name: "dl-zn2", source: src + "dl-zn2.js", sensors: []sensor{
		{4, []value{
			v("dendrometer_a_position", "Dendrometer A Position", "µm",
				func(x, _ []float64) float64 { return adc24(x) * 20000 }),
			v("dendrometer_b_position", "Dendrometer B Position", "µm",
				func(x, _ []float64) float64 {
					return ((x[0]+x[1]*65536)/8388608 - (x[2]+x[3]*65536)/8388608) * 20000
				}),
		}},
		battery,
	}},
	{name: "dl-isf", source: src + "dl-isf.js", sensors: []sensor{
		{16, isfValues()},
		battery,
	}},
}

// mulOffDiv is (x[i]·k − o) / d.
func mulOffDiv(i int, k, o, d float64) formula {
	return func(x, _ []float64) float64 { return (x[i]*k - o) / d }
}

// isfValues are the sap flow sensor's: flows and velocities (x·16 − 50000)/1000, the alpha
// and beta ratios (x·32 − 10⁶)/10⁵, and times (x·2)/1000 s.
func isfValues() []value {
	const cmh = "cm⋅h⁻¹"
	return []value{
		v("sap_flow", "Sap flow", "l⋅h⁻¹", mulOffDiv(0, 16, 50000, 1000)),
		v("heat_velocity_outer", "Heat velocity (outer)", cmh, mulOffDiv(1, 16, 50000, 1000)),
		v("heat_velocity_inner", "Heat velocity (inner)", cmh, mulOffDiv(2, 16, 50000, 1000)),
		vn("alpha_outer", "Alpha (outer)", mulOffDiv(3, 32, 1000000, 100000)),
		vn("alpha_inner", "Alpha (inner)", mulOffDiv(4, 32, 1000000, 100000)),
		vn("beta_outer", "Beta (outer)", mulOffDiv(5, 32, 1000000, 100000)),
		vn("beta_inner", "Beta (inner)", mulOffDiv(6, 32, 1000000, 100000)),
		v("tmax_outer", "Tmax (outer)", "s", mulOffDiv(7, 2, 0, 1000)),
		v("tmax_inner", "Tmax (inner)", "s", mulOffDiv(8, 2, 0, 1000)),
		v("temperature_outer", "Temperature (outer)", "°C", offDiv(9, 32768, 100)),
		v("max_voltage", "Max voltage", "V", offDiv(10, 32768, 1000)),
		v("min_voltage", "Min voltage", "V", offDiv(11, 32768, 1000)),
		vn("diagnostic", "Diagnostic", uint32LowFirst(12, 13)),
		v("upstream_tmax_outer", "Upstream Tmax (outer)", "s", mulOffDiv(14, 2, 0, 1000)),
		v("upstream_tmax_inner", "Upstream Tmax (inner)", "s", mulOffDiv(15, 2, 0, 1000)),
	}
}

package decentlab

import (
	"math"
	"strconv"
)

// Soil moisture and temperature models.

var soilModels = []*model{
	{name: "dl-5tm", source: src + "dl-5tm.js", sensors: []sensor{
		{2, []value{
			vn("dielectric_permittivity", "Dielectric permittivity", div(0, 50)),
			v("volumetric_water_content", "Volumetric water content", m3m3, vwc5tm),
			v("soil_temperature", "Soil temperature", "°C", offDiv(1, 400, 10)),
		}},
		battery,
	}},
	{name: "dl-trs11", source: src + "dl-trs11.js", sensors: []sensor{
		{2, []value{
			vn("dielectric_permittivity", "Dielectric permittivity", trs1xPermittivity),
			v("volumetric_water_content", "Volumetric water content", m3m3, trs1xVWC),
			v("soil_temperature", "Soil temperature", "°C", offDiv(1, 32768, 10)),
		}},
		battery,
	}},
	{name: "dl-trs12", source: src + "dl-trs12.js", sensors: []sensor{
		{3, []value{
			vn("dielectric_permittivity", "Dielectric permittivity", trs1xPermittivity),
			v("volumetric_water_content", "Volumetric water content", m3m3, trs1xVWC),
			v("soil_temperature", "Soil temperature", "°C", offDiv(1, 32768, 10)),
			v("electrical_conductivity", "Electrical conductivity", uscm, raw(2)),
		}},
		battery,
	}},
	{name: "dl-trs21", source: src + "dl-trs21.js", sensors: []sensor{
		{2, []value{
			v("water_potential", "Water potential", "kPa", func(x, _ []float64) float64 {
				return -(x[0] / 10)
			}),
			v("soil_temperature", "Soil temperature", "°C", offDiv(1, 32768, 10)),
		}},
		battery,
	}},
	{name: "dl-tp", source: src + "dl-tp.js@7819187019", sensors: []sensor{
		{16, tpValues()},
		battery,
	}},
	{name: "dl-sdd", source: src + "dl-sdd.js", sensors: []sensor{
		{18, sddValues(0)},
		{18, sddValues(6)},
		battery,
	}},
	{name: "dl-smtp", source: src + "dl-smtp.js", sensors: []sensor{
		{16, smtpValues()},
		battery,
	}},
}

// m3m3 is volumetric water content as the vendor spells it.
const m3m3 = "m³⋅m⁻³"

// vwc5tm is the third-order polynomial of the 5TM decoder, in permittivity x0/50.
func vwc5tm(x, _ []float64) float64 {
	e := x[0] / 50
	return 0.0000043*math.Pow(e, 3) - 0.00055*math.Pow(e, 2) + 0.0292*e - 0.053
}

// smtpValues are the eight depths of the soil profile: moisture (x[2d]-2500)/500 and
// temperature (x[2d+1]-32768)/100.
func smtpValues() []value {
	depth := [8]string{"0", "1", "2", "3", "4", "5", "6", "7"}
	vals := make([]value, 0, 16)
	for d, s := range depth {
		vals = append(vals,
			vn("soil_moisture_at_depth_"+s, "Soil moisture at depth "+s,
				offDiv(2*d, 2500, 500)),
			v("soil_temperature_at_depth_"+s, "Soil temperature at depth "+s, "°C",
				offDiv(2*d+1, 32768, 100)))
	}
	return vals
}

// sddValues are six levels of the soil profile, numbered from first: moisture and
// temperature (x−32768)/100 and salinity x−100, in that order of words.
func sddValues(first int) []value {
	vals := make([]value, 18)
	for l := range 6 {
		n := strconv.Itoa(first + l)
		vals[l] = v("moisture_at_level_"+n, "Moisture at level "+n, "%",
			offDiv(l, 32768, 100))
		vals[6+l] = v("temperature_at_level_"+n, "Temperature at level "+n, "°C",
			offDiv(6+l, 32768, 100))
		vals[12+l] = vn("salinity_at_level_"+n, "Salinity at level "+n, off(12+l, 100))
	}
	return vals
}

// tpValues are the sixteen levels of the temperature profile, (x−32768)/100 °C each.
func tpValues() []value {
	vals := make([]value, 16)
	for l := range vals {
		n := strconv.Itoa(l)
		vals[l] = v("temperature_at_level_"+n, "Temperature at level "+n, "°C",
			offDiv(l, 32768, 100))
	}
	return vals
}

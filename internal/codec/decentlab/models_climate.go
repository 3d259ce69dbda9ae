package decentlab

import "math"

// Air, weather and radiation models.

// src is the folder of the vendor decoders the formulas were read from.
const src = "TheThingsNetwork/lorawan-devices vendor/decentlab/"

var climateModels = []*model{
	{name: "dl-sht35", source: src + "dl-sht35.js", sensors: []sensor{
		{2, []value{
			v("air_temperature", "Air temperature", "°C", sht3xTemp),
			v("air_humidity", "Air humidity", "%", sht3xHum),
		}},
		battery,
	}},
	{name: "dl-rhc", source: src + "dl-rhc.js", sensors: []sensor{
		{4, []value{
			vn("sensor_id", "Sensor ID", uint32LowFirst(0, 1)),
			v("air_humidity", "Air humidity", "%", div(2, 100)),
			v("air_temperature", "Air temperature", "°C", offDiv(3, 32768, 100)),
		}},
		battery,
	}},
	{name: "dl-iam", source: src + "dl-iam.js", sensors: []sensor{
		battery,
		{2, []value{
			v("air_temperature", "Air temperature", "°C", sht3xTemp),
			v("air_humidity", "Air humidity", "%", sht3xHum),
		}},
		{1, []value{v("barometric_pressure", "Barometric pressure", "Pa", mul(0, 2))}},
		{2, []value{
			vn("ambient_light_visible_infrared", "Ambient light (visible + infrared)", raw(0)),
			vn("ambient_light_infrared", "Ambient light (infrared)", raw(1)),
			v("illuminance", "Illuminance", "lx", iamIlluminance),
		}},
		{3, []value{
			v("co2_concentration", "CO2 concentration", "ppm", off(0, 32768)),
			vn("co2_sensor_status", "CO2 sensor status", raw(1)),
			vn("raw_ir_reading", "Raw IR reading", raw(2)),
		}},
		{1, []value{vn("activity_counter", "Activity counter", raw(0))}},
		{1, []value{v("total_voc", "Total VOC", "ppb", raw(0))}},
	}},
	{name: "dl-pm", source: src + "dl-pm.js@ce4a12317c", sensors: []sensor{
		battery,
		{10, []value{
			v("pm1_0_mass_concentration", "PM1.0 mass concentration", ugm3, div(0, 10)),
			v("pm2_5_mass_concentration", "PM2.5 mass concentration", ugm3, div(1, 10)),
			v("pm4_mass_concentration", "PM4 mass concentration", ugm3, div(2, 10)),
			v("pm10_mass_concentration", "PM10 mass concentration", ugm3, div(3, 10)),
			v("typical_particle_size", "Typical particle size", "nm", raw(4)),
			vn("pm0_5_number_concentration", "PM0.5 number concentration", div(5, 10)),
			vn("pm1_0_number_concentration", "PM1.0 number concentration", div(6, 10)),
			vn("pm2_5_number_concentration", "PM2.5 number concentration", div(7, 10)),
			vn("pm4_number_concentration", "PM4 number concentration", div(8, 10)),
			vn("pm10_number_concentration", "PM10 number concentration", div(9, 10)),
		}},
		{2, []value{
			v("air_temperature", "Air temperature", "°C", sht2xTemp),
			v("air_humidity", "Air humidity", "%", sht2xHum),
		}},
		{1, []value{v("barometric_pressure", "Barometric pressure", "Pa", mul(0, 2))}},
	}},
	{name: "dl-lp8p", source: src + "dl-lp8p.js", sensors: []sensor{
		{2, []value{
			v("air_temperature", "Air temperature", "°C", sht2xTemp),
			v("air_humidity", "Air humidity", "%", sht2xHum),
		}},
		{2, []value{
			v("barometer_temperature", "Barometer temperature", "°C", offDiv(0, 5000, 100)),
			v("barometric_pressure", "Barometric pressure", "Pa", mul(1, 2)),
		}},
		{8, []value{
			v("co2_concentration", "CO2 concentration", "ppm", off(0, 32768)),
			v("co2_concentration_lpf", "CO2 concentration LPF", "ppm", off(1, 32768)),
			v("co2_sensor_temperature", "CO2 sensor temperature", "°C", offDiv(2, 32768, 100)),
			v("capacitor_voltage_1", "Capacitor voltage 1", "V", div(3, 1000)),
			v("capacitor_voltage_2", "Capacitor voltage 2", "V", div(4, 1000)),
			vn("co2_sensor_status", "CO2 sensor status", raw(5)),
			vn("raw_ir_reading", "Raw IR reading", raw(6)),
			vn("raw_ir_reading_lpf", "Raw IR reading LPF", raw(7)),
		}},
		battery,
	}},
	{name: "dl-atm41", source: src + "dl-atm41.js", sensors: []sensor{
		{17, atm41Values()},
		battery,
	}},
	{name: "dl-wrm", source: src + "dl-wrm.js", sensors: []sensor{
		{2, []value{
			v("air_temperature", "Air temperature", "°C", sht3xTemp),
			v("air_humidity", "Air humidity", "%", sht3xHum),
		}},
		{2, []value{
			v("surface_temperature", "Surface temperature", "°C", offDiv(0, 1000, 10)),
			v("head_temperature", "Head temperature", "°C", offDiv(1, 1000, 10)),
		}},
		battery,
	}},
	{name: "dl-itst", source: src + "dl-itst.js", sensors: []sensor{
		{2, []value{
			v("temperature_target", "Temperature target", "°C", offDiv(0, 1000, 10)),
			v("temperature_head", "Temperature head", "°C", offDiv(1, 1000, 10)),
		}},
		battery,
	}},
	{name: "dl-par", source: src + "dl-par.js", sensors: []sensor{
		{1, []value{v("photosynthetically_active_radiation",
			"Photosynthetically active radiation", "µmol⋅m⁻²⋅s⁻¹",
			func(x, _ []float64) float64 { return 3 * (x[0]/32768 - 1) * 1000 * 5 })}},
		battery,
	}},
	{name: "dl-pyr", source: src + "dl-pyr.js", sensors: []sensor{
		{1, []value{v("total_solar_radiation", "Total solar radiation", wm2,
			func(x, _ []float64) float64 { return 3 * (x[0]/32768 - 1) * 1000 * 5 })}},
		battery,
	}},
	{name: "dl-alb", source: src + "dl-alb.js", sensors: []sensor{
		{2, []value{
			v("incoming_radiation", "Incoming radiation", wm2, offDiv(0, 32768, 10)),
			v("reflected_radiation", "Reflected radiation", wm2, offDiv(1, 32768, 10)),
			vn("albedo", "albedo", albedo),
		}},
		battery,
	}},
}

// Units spelled as the vendor spells them.
const (
	ugm3 = "µg⋅m⁻³"
	wm2  = "W⋅m⁻²"
	ms1  = "m⋅s⁻¹"
)

func iamIlluminance(x, _ []float64) float64 {
	return math.Max(math.Max(1.0*x[0]-1.64*x[1], 0.59*x[0]-0.86*x[1]), 0) * 1.5504
}

// albedo is reflected / incoming radiation, 0 unless both are positive.
func albedo(x, _ []float64) float64 {
	in, refl := x[0]-32768, x[1]-32768
	if in > 0 && refl > 0 {
		return refl / in
	}
	return 0
}

func atm41Values() []value {
	return []value{
		v("solar_radiation", "Solar radiation", wm2, off(0, 32768)),
		v("precipitation", "Precipitation", "mm", offDiv(1, 32768, 1000)),
		vn("lightning_strike_count", "Lightning strike count", off(2, 32768)),
		v("lightning_average_distance", "Lightning average distance", "km", off(3, 32768)),
		v("wind_speed", "Wind speed", ms1, offDiv(4, 32768, 100)),
		v("wind_direction", "Wind direction", "°", offDiv(5, 32768, 10)),
		v("maximum_wind_speed", "Maximum wind speed", ms1, offDiv(6, 32768, 100)),
		v("air_temperature", "Air temperature", "°C", offDiv(7, 32768, 10)),
		v("vapor_pressure", "Vapor pressure", "kPa", offDiv(8, 32768, 100)),
		v("atmospheric_pressure", "Atmospheric pressure", "kPa", offDiv(9, 32768, 100)),
		v("relative_humidity", "Relative humidity", "%", offDiv(10, 32768, 10)),
		v("sensor_temperature_internal", "Sensor temperature (internal)", "°C",
			offDiv(11, 32768, 10)),
		v("x_orientation_angle", "X orientation angle", "°", offDiv(12, 32768, 10)),
		v("y_orientation_angle", "Y orientation angle", "°", offDiv(13, 32768, 10)),
		v("compass_heading", "Compass heading", "°", off(14, 32768)),
		v("north_wind_speed", "North wind speed", ms1, offDiv(15, 32768, 100)),
		v("east_wind_speed", "East wind speed", ms1, offDiv(16, 32768, 100)),
	}
}

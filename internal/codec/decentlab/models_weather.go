package decentlab

// Wind, weather station and road-surface models.

var weatherModels = []*model{
	{name: "dl-atm22", source: src + "dl-atm22.js", sensors: []sensor{
		{8, []value{
			v("wind_speed", "Wind speed", ms1, offDiv(0, 32768, 100)),
			v("wind_direction", "Wind direction", "°", offDiv(1, 32768, 10)),
			v("maximum_wind_speed", "Maximum wind speed", ms1, offDiv(2, 32768, 100)),
			v("air_temperature", "Air temperature", "°C", offDiv(3, 32768, 10)),
			v("x_orientation_angle", "X orientation angle", "°", offDiv(4, 32768, 10)),
			v("y_orientation_angle", "Y orientation angle", "°", offDiv(5, 32768, 10)),
			v("north_wind_speed", "North wind speed", ms1, offDiv(6, 32768, 100)),
			v("east_wind_speed", "East wind speed", ms1, offDiv(7, 32768, 100)),
		}},
		battery,
	}},
	{name: "dl-atm41g2", source: src + "dl-atm41g2.js", sensors: []sensor{
		{17, atm41g2Values()},
		battery,
	}},
	{name: "dl-cws", source: src + "dl-cws.js@5893cc0b91", sensors: []sensor{
		{6, []value{
			v("surface_temperature", "Surface temperature", "°C", offDiv(0, 32768, 100)),
			v("air_temperature", "Air temperature", "°C", offDiv(1, 32768, 100)),
			v("air_humidity", "Air humidity", "%", offDiv(2, 32768, 100)),
			v("dew_point", "Dew point", "°C", offDiv(3, 32768, 100)),
			v("angle", "Angle", "°", off(4, 32768)),
			v("sensor_temperature", "Sensor temperature", "°C", offDiv(5, 32768, 100)),
		}},
		battery,
	}},
	{name: "dl-cws2", source: src + "dl-cws2.js", sensors: []sensor{
		{2, []value{
			v("air_temperature_radiation_shield", "Air temperature (radiation shield)", "°C",
				sht3xTemp),
			v("air_humidity_radiation_shield", "Air humidity (radiation shield)", "%",
				sht3xHum),
		}},
		{6, []value{
			v("surface_temperature", "Surface temperature", "°C", offDiv(0, 32768, 100)),
			v("air_temperature", "Air temperature", "°C", offDiv(1, 32768, 100)),
			v("air_humidity", "Air humidity", "%", offDiv(2, 32768, 100)),
			v("dew_point", "Dew point", "°C", offDiv(3, 32768, 100)),
			v("angle", "Angle", "°", off(4, 32768)),
			v("sensor_temperature", "Sensor temperature", "°C", offDiv(5, 32768, 100)),
		}},
		battery,
	}},
	{name: "dl-ds18", source: src + "dl-ds18.js", sensors: []sensor{
		{1, []value{v("temperature", "Temperature", "°C", offDiv(0, 32768, 16))}},
		battery,
	}},
}

// atm41g2Values are the second generation ATM41's: the vendor writes the unit of the
// lightning count as the string "None".
func atm41g2Values() []value {
	return []value{
		v("solar_radiation", "Solar radiation", wm2, offDiv(0, 32768, 10)),
		v("precipitation", "Precipitation", "mm", div(1, 1000)),
		v("lightning_strike_count", "Lightning strike count", "None", off(2, 32768)),
		v("lightning_average_distance", "Lightning average distance", "km", off(3, 32768)),
		v("wind_speed", "Wind speed", ms1, offDiv(4, 32768, 100)),
		v("wind_direction", "Wind direction", "°", offDiv(5, 32768, 10)),
		v("maximum_wind_speed", "Maximum wind speed", ms1, offDiv(6, 32768, 100)),
		v("air_temperature", "Air temperature", "°C", offDiv(7, 32768, 10)),
		v("vapor_pressure", "Vapor pressure", "kPa", offDiv(8, 32768, 100)),
		v("barometric_pressure", "Barometric pressure", "kPa", offDiv(9, 32768, 100)),
		v("relative_humidity", "Relative humidity", "%", offDiv(10, 32768, 10)),
		v("internal_temperature", "Internal temperature", "°C", offDiv(11, 32768, 10)),
		v("tilt_angle_x_orientation", "Tilt angle, X orientation", "°", offDiv(12, 32768, 10)),
		v("tilt_angle_y_orientation", "Tilt angle, Y orientation", "°", offDiv(13, 32768, 10)),
		v("precipitation_electrical_conductivity", "Precipitation electrical conductivity",
			uscm, off(14, 32768)),
		v("cumulative_precipitation", "Cumulative precipitation", "mm",
			func(x, _ []float64) float64 { return (x[15] + x[16]*65536) / 1000 }),
	}
}

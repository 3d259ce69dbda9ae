package milesight

// Channels of the AM ambience monitoring sensors (AM100 and AM300 series READMEs).
var (
	activity = ch(0x05, 0x6A, 2, "activity", uint16Key("activity", 1))
	// illumination6 is the AM104/AM107 light record: three 16-bit readings.
	illumination6 = ch(0x06, 0x65, 6, "illumination", func(v []byte, d map[string]any) {
		d["illumination"] = le16(v[0:2])
		d["infrared_and_visible"] = le16(v[2:4])
		d["infrared"] = le16(v[4:6])
	})
	co2AM      = ch(0x07, 0x7D, 2, "co2", uint16Key("co2", 1))
	tvocPPB    = ch(0x08, 0x7D, 2, "tvoc", uint16Key("tvoc", 1))
	tvocUgM3   = ch(0x08, 0xE6, 2, "tvoc_ugm3", uint16Key("tvoc", 1))
	pressureAM = ch(0x09, 0x73, 2, "pressure", uint16Key("pressure", 10))
	pirAM      = ch(0x05, 0x00, 1, "am300.pir", oneOr("pir", "trigger", "idle"))
	lightLevel = ch(0x06, 0xCB, 1, "light_level", uint8Key("light_level"))
	hcho       = ch(0x0A, 0x7D, 2, "hcho", uint16Key("hcho", 100))
	pm25       = ch(0x0B, 0x7D, 2, "pm2_5", uint16Key("pm2_5", 1))
	pm10       = ch(0x0C, 0x7D, 2, "pm10", uint16Key("pm10", 1))
	o3         = ch(0x0D, 0x7D, 2, "o3", uint16Key("o3", 100))
	beep       = ch(0x0E, 0x01, 1, "beep", oneOr("beep", "yes", "no"))

	// AM103 history: timestamp(4) temperature(2) humidity(1) co2(2).
	historyAM103 = ch(0x20, 0xCE, 9, "am103.history", func(v []byte, d map[string]any) {
		appendHistory(d, map[string]any{
			"timestamp":   le32(v[0:4]),
			"temperature": les16(v[4:6]) / 10,
			"humidity":    float64(v[6]) / 2,
			"co2":         le16(v[7:9]),
		})
	})
	historyAM307 = ch(0x20, 0xCE, 16, "am307.history", func(v []byte, d map[string]any) {
		appendHistory(d, am307Point(v))
	})
	// AM308 history: the AM307 point + pm2_5(2) pm10(2).
	historyAM308 = ch(0x20, 0xCE, 20, "am308.history", func(v []byte, d map[string]any) {
		p := am307Point(v)
		p["pm2_5"] = le16(v[16:18])
		p["pm10"] = le16(v[18:20])
		appendHistory(d, p)
	})
)

// am307Point is an AM307 history point: timestamp(4) temperature(2) humidity(2) pir(1)
// light_level(1) co2(2) tvoc(2) pressure(2), scaled like the live channels.
func am307Point(v []byte) map[string]any {
	return map[string]any{
		"timestamp":   le32(v[0:4]),
		"temperature": les16(v[4:6]) / 10,
		"humidity":    le16(v[6:8]) / 2,
		"pir":         pick(v[8] == 1, "trigger", "idle"),
		"light_level": float64(v[9]),
		"co2":         le16(v[10:12]),
		"tvoc":        le16(v[12:14]),
		"pressure":    le16(v[14:16]) / 10,
	}
}

// amModels lists the channels of each AM model.
func amModels() map[string][]*channel {
	am104 := []*channel{battery, temperature, humidity, activity, illumination6}
	am307 := []*channel{battery, temperature, humidity, pirAM, lightLevel, co2AM, tvocPPB,
		tvocUgM3, pressureAM, beep}
	return map[string][]*channel{
		"am103": {battery, temperature, humidity, co2AM, historyAM103},
		"am104": am104,
		"am107": append(am104[:len(am104):len(am104)], co2AM, tvocPPB, pressureAM),
		"am307": append(am307[:len(am307):len(am307)], historyAM307),
		"am308": append(am307[:len(am307):len(am307)], pm25, pm10, historyAM308),
		"am319": append(am307[:len(am307):len(am307)], hcho, pm25, pm10, o3),
	}
}

package milesight

// Channels of the EM environment sensors (EM300, EM310, EM320 and EM500 READMEs).
var (
	distance     = ch(0x03, 0x82, 2, "distance", uint16Key("distance", 1))
	tilt         = ch(0x04, 0x00, 1, "em310.tilt", zeroOr("tilt", "normal", "tilt"))
	magnet       = ch(0x06, 0x00, 1, "magnet_status", zeroOr("magnet_status", "close", "open"))
	leakage      = ch(0x05, 0x00, 1, "em300.leakage", zeroOr("leakage_status", "normal", "leak"))
	co2EM        = ch(0x05, 0x7D, 2, "em500.co2", uint16Key("co2", 1))
	pressureEM   = ch(0x06, 0x73, 2, "em500.pressure", uint16Key("pressure", 10))
	illumination = ch(0x03, 0x94, 4, "em500.illumination", uint32Key("illumination"))
	pressureKPa  = ch(0x03, 0x7B, 2, "em500.pressure_kpa", uint16Key("pressure", 1))
	waterLevel   = ch(0x03, 0x77, 2, "water_level", uint16Key("water_level", 1))
	moisture     = ch(0x04, 0x68, 1, "em500.moisture", halfKey("moisture"))
	moisture2    = ch(0x04, 0xCA, 2, "em500.moisture2", uint16Key("moisture", 100))
	ec           = ch(0x05, 0x7F, 2, "ec", uint16Key("ec", 1))

	// angle is the EM310-TILT record: three int16 angles in 0.01° and a threshold bit mask.
	angle = ch(0x03, 0xCF, 7, "angle", func(v []byte, d map[string]any) {
		d["angle_x"] = les16(v[0:2]) / 100
		d["angle_y"] = les16(v[2:4]) / 100
		d["angle_z"] = les16(v[4:6]) / 100
		d["threshold_x"] = pick(v[6]&1 != 0, "trigger", "normal")
		d["threshold_y"] = pick(v[6]>>1&1 != 0, "trigger", "normal")
		d["threshold_z"] = pick(v[6]>>2&1 != 0, "trigger", "normal")
	})
	// tempAlarm is temperature(2) temperature_change(2) alarm type(1).
	tempAlarm = ch(0x83, 0xD7, 5, "temperature_alarm", func(v []byte, d map[string]any) {
		d["temperature"] = les16(v[0:2]) / 10
		d["temperature_change"] = les16(v[2:4]) / 10
		d["temperature_alarm"] = enum(v[4], alarmNames)
	})
)

var alarmNames = []string{"threshold alarm", "threshold alarm release", "mutation alarm"}

// thPoint is the start of the EM300/EM320 history point: timestamp(4) temperature(2)
// humidity(1).
func thPoint(v []byte) map[string]any {
	return map[string]any{
		"timestamp":   le32(v[0:4]),
		"temperature": les16(v[4:6]) / 10,
		"humidity":    float64(v[6]) / 2,
	}
}

// history makes a 0x20 0xCE history channel of size bytes whose point point builds.
func history(name string, size int, point func(v []byte) map[string]any) *channel {
	return ch(0x20, 0xCE, size, name, func(v []byte, d map[string]any) {
		appendHistory(d, point(v))
	})
}

// Historical data records of the EM models (the byte after humidity is reserved on EM300-TH).
var (
	historyEM300TH = history("em300-th.history", 8, thPoint)
	historyEM320TH = history("em320-th.history", 7, thPoint)
	historyMCS     = history("em300-mcs.history", 8, func(v []byte) map[string]any {
		p := thPoint(v)
		p["magnet_status"] = pick(v[7] == 0, "close", "open")
		return p
	})
	historySLD = history("em300-sld.history", 8, func(v []byte) map[string]any {
		p := thPoint(v)
		p["leakage_status"] = pick(v[7] == 0, "normal", "leak")
		return p
	})
	historyCO2 = history("em500-co2.history", 11, func(v []byte) map[string]any {
		return map[string]any{
			"timestamp":   le32(v[0:4]),
			"co2":         le16(v[4:6]),
			"pressure":    le16(v[6:8]) / 10,
			"temperature": les16(v[8:10]) / 10,
			"humidity":    float64(v[10]) / 2,
		}
	})
	historySMTC = history("em500-smtc.history", 10, func(v []byte) map[string]any {
		return map[string]any{
			"timestamp":   le32(v[0:4]),
			"ec":          le16(v[4:6]),
			"temperature": les16(v[6:8]) / 10,
			"moisture":    le16(v[8:10]) / 100,
		}
	})
	historyUDL   = history("em500-udl.history", 6, tsAnd("distance", le16, 1))
	historyLGT   = history("em500-lgt.history", 8, tsAnd("illumination", le32, 1))
	historyPT100 = history("em500-pt100.history", 6, tsAnd("temperature", les16, 10))
	historySWL   = history("em500-swl.history", 6, tsAnd("water_level", le16, 1))
)

// tsAnd is a history point of a timestamp(4) and one value read by read and divided by div.
func tsAnd(key string, read func([]byte) float64, div float64) func([]byte) map[string]any {
	return func(v []byte) map[string]any {
		return map[string]any{"timestamp": le32(v[0:4]), key: read(v[4:]) / div}
	}
}

// emModels lists the channels of each EM model.
func emModels() map[string][]*channel {
	th := []*channel{battery, temperature, humidity}
	sld := []*channel{battery, temperature, humidity, leakage, historySLD}
	smtc := []*channel{battery, temperature, moisture, moisture2, ec, tempAlarm, historySMTC}
	return map[string][]*channel{
		"em300-th":    append(th[:3:3], historyEM300TH),
		"em320-th":    append(th[:3:3], historyEM320TH),
		"em300-mcs":   append(th[:3:3], magnet, historyMCS),
		"em300-sld":   sld,
		"em300-zld":   sld,
		"em300-mld":   sld,
		"em310-udl":   {battery, distance, tilt},
		"em310-tilt":  {battery, angle},
		"em500-co2":   append(th[:3:3], co2EM, pressureEM, tempAlarm, historyCO2),
		"em500-udl":   {battery, distance, historyUDL},
		"em500-lgt":   {battery, illumination, historyLGT},
		"em500-pp":    {battery, pressureKPa},
		"em500-pt100": {battery, temperature, tempAlarm, historyPT100},
		"em500-smtc":  smtc,
		"em500-smt":   smtc,
		"em500-swl":   {battery, waterLevel, historySWL},
	}
}

package milesight

import (
	"encoding/binary"
	"strconv"
)

// Channels of the WS workplace sensors (WS101, WS202, WS301, WS302, WS303 READMEs).
var (
	press    = ch(0xFF, 0x2E, 1, "ws101.press", enumKey("press", "", "short", "long", "double"))
	pirWS    = ch(0x03, 0x00, 1, "ws202.pir", zeroOr("pir", "normal", "trigger"))
	daylight = ch(0x04, 0x00, 1, "ws202.daylight", zeroOr("daylight", "dark", "light"))
	door     = ch(0x03, 0x00, 1, "ws301.door", zeroOr("door", "close", "open"))
	install  = ch(0x04, 0x00, 1, "ws301.install", zeroOr("install", "yes", "no"))
	leak     = ch(0x03, 0x00, 1, "ws303.leak", zeroOr("leak_status", "no leak", "leak"))
	// sound is the WS302 record: weighting byte, then LA, LAeq and LAmax in 0.1 dB.
	sound = ch(0x05, 0x5B, 7, "ws302.sound", func(v []byte, d map[string]any) {
		d["freq_weight"] = enum(v[0]&0x03, []string{"Z", "A", "C"})
		d["time_weight"] = enum(v[0]>>2&0x03, []string{"impulse", "fast", "slow"})
		d["la"] = le16(v[1:3]) / 10
		d["laeq"] = le16(v[3:5]) / 10
		d["lamax"] = le16(v[5:7]) / 10
	})
	// classType is the WS302's own spelling of the LoRaWAN class; other values add no key.
	classType = ch(0xFF, 0x0F, 1, "ws302.class_type", func(v []byte, d map[string]any) {
		if v[0] < 3 {
			d["class_type"] = [...]string{"class-a", "class-b", "class-c"}[v[0]]
		}
	})
)

// Channels of the VS121 occupancy sensor (VS121 README and decoder).
var (
	vsProtocol = ch(0xFF, 0x01, 1, "vs121.protocol_version", uint8Key("protocol_version"))
	vsSN       = ch(0xFF, 0x08, 6, "vs121.sn", hexKey("sn"))
	vsHardware = ch(0xFF, 0x09, 2, "vs121.hardware_version", func(v []byte, d map[string]any) {
		d["hardware_version"] = dotted(v)
	})
	vsFirmware = ch(0xFF, 0x1F, 4, "vs121.firmware_version", func(v []byte, d map[string]any) {
		d["firmware_version"] = dotted(v)
	})
	peopleCount = ch(0x04, 0xC9, 4, "vs121.people_count", peopleCounter)
	peopleInOut = ch(0x05, 0xCC, 4, "vs121.people_in", func(v []byte, d map[string]any) {
		d["people_in"] = les16(v[0:2])
		d["people_out"] = les16(v[2:4])
	})
	peopleMax    = ch(0x06, 0xCD, 1, "people_count_max", uint8Key("people_count_max"))
	regions1to8  = ch(0x07, 0xD5, 8, "vs121.regions_1", regionCounts(1))
	regions9to16 = ch(0x08, 0xD5, 8, "vs121.regions_9", regionCounts(9))
	flowA        = ch(0x09, 0xDA, 8, "vs121.flow_a", flow("a"))
	flowB        = ch(0x0A, 0xDA, 8, "vs121.flow_b", flow("b"))
	flowC        = ch(0x0B, 0xDA, 8, "vs121.flow_c", flow("c"))
	flowD        = ch(0x0C, 0xDA, 8, "vs121.flow_d", flow("d"))
	peopleTotal  = ch(0x0D, 0xCC, 4, "vs121.people_total", func(v []byte, d map[string]any) {
		d["people_total_in"] = le16(v[0:2])
		d["people_total_out"] = le16(v[2:4])
	})
	// dwell is region(1, not output by the vendor decoder) avg(2) max(2).
	dwell = ch(0x0E, 0xE4, 5, "vs121.dwell", func(v []byte, d map[string]any) {
		d["dwell_time_avg"] = le16(v[1:3])
		d["dwell_time_max"] = le16(v[3:5])
	})
	vsTimestamp = ch(0x0F, 0x85, 4, "vs121.timestamp", uint32Key("timestamp"))
)

// peopleCounter decodes 04 C9: total count, region count and a big-endian region mask. Region
// idx counts 1 when mask > idx, the vendor decoder's expression that the TTN examples encode.
func peopleCounter(v []byte, d map[string]any) {
	d["people_counter_all"] = float64(v[0])
	n := int(v[1])
	d["region_count"] = float64(n)
	mask := int(binary.BigEndian.Uint16(v[2:4]))
	regions := make([]any, n)
	for idx := range regions {
		count := 0.0
		if mask > idx {
			count = 1
		}
		regions[idx] = map[string]any{"index": float64(idx), "count": count}
	}
	d["regions"] = regions
}

// regionKeys are "region_<n>_count" for n = 1..16.
var regionKeys = func() [17]string {
	var k [17]string
	for n := 1; n <= 16; n++ {
		k[n] = "region_" + strconv.Itoa(n) + "_count"
	}
	return k
}()

// regionCounts reads eight one-byte region counts, the first being region first.
func regionCounts(first int) decodeFunc {
	return func(v []byte, d map[string]any) {
		for i := range 8 {
			d[regionKeys[first+i]] = float64(v[i])
		}
	}
}

// flow reads the four 16-bit counts from region from to regions a-d.
func flow(from string) decodeFunc {
	keys := [4]string{from + "_to_a", from + "_to_b", from + "_to_c", from + "_to_d"}
	return func(v []byte, d map[string]any) {
		for i, k := range keys {
			d[k] = le16(v[2*i : 2*i+2])
		}
	}
}

// wsModels lists the channels of each WS and VS model.
func wsModels() map[string][]*channel {
	return map[string][]*channel{
		"ws101": {battery, press},
		"ws202": {battery, pirWS, daylight},
		"ws301": {battery, door, install},
		"ws302": {battery, sound, classType},
		"ws303": {battery, leak},
		"vs121": {vsProtocol, vsSN, vsHardware, vsFirmware, peopleCount, peopleInOut, peopleMax,
			regions1to8, regions9to16, flowA, flowB, flowC, flowD, peopleTotal, dwell,
			vsTimestamp},
	}
}

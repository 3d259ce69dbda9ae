package milesight

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func decodeHex(t *testing.T, model string, port uint8, h string) (codec.Output, error) {
	t.Helper()
	in := codec.Input{FPort: port, Bytes: codectest.Hex(t, h)}
	if model != "" {
		in.Variables = map[string]string{ModelVariable: model}
	}
	return Decoders()["milesight"].Decode(in)
}

// milesightVectors matches the shared vectors of every Milesight device.
var milesightVectors = codectest.Vendor("milesight-iot")

// TestVectors decodes every Milesight vector with the model the vector names.
func TestVectors(t *testing.T) {
	dec := Decoders()["milesight"]
	for _, v := range codectest.Vectors(t, codectest.TTNVectors, milesightVectors) {
		t.Run(v.Device+"/"+v.Description, func(t *testing.T) {
			in := v.Input(t)
			in.Variables = map[string]string{ModelVariable: v.Device}
			codectest.CheckVector(t, dec, in, v)
		})
	}
}

// TestVectorsGeneric decodes, without a model, the vectors whose channels mean the same on
// every model: the generic table must give the vendor's answer for them.
func TestVectorsGeneric(t *testing.T) {
	dec := Decoders()["milesight"]
	vs := codectest.Vectors(t, codectest.TTNVectors, codectest.Vendor("milesight-iot",
		"am103", "em300-th", "em500-co2", "em500-udl", "vs121"))
	for _, v := range vs {
		t.Run(v.Device+"/"+v.Description, func(t *testing.T) {
			out, err := dec.Decode(v.Input(t))
			codectest.CheckOutput(t, out, err, v.Expected.Data, 0)
		})
	}
}

// ts is the timestamp of the vendor's history examples, 9E 74 46 63 little-endian.
const ts = "9E744663"

const tsValue = 1665561758.0

type want = map[string]any

// TestModels covers models and channels the vectors do not. Each expected value is worked
// out by hand from the model's payload definition (little-endian, the scale in the README);
// some payloads are the README's own examples.
func TestModels(t *testing.T) {
	tests := []struct {
		name, model, hex string
		want             want
	}{
		{"am103 history: 0x0110=27.2 °C, 0x5D/2, co2 0x01C5", "am103",
			"20CE" + ts + "1001 5D C501",
			want{"history": []any{want{"timestamp": tsValue, "temperature": 27.2,
				"humidity": 46.5, "co2": 453.0}}}},
		{"am104 README example", "am104", "01755C 03673401 046865 056A4900 06651C0079001400",
			want{"battery": 92.0, "temperature": 30.8, "humidity": 50.5, "activity": 73.0,
				"illumination": 28.0, "infrared_and_visible": 121.0, "infrared": 20.0}},
		{"am107 co2, tvoc, pressure 0x273F/10", "am107", "077DE704 087D0700 09733F27",
			want{"co2": 1255.0, "tvoc": 7.0, "pressure": 1004.7}},
		{"am307 README example with beep", "am307",
			"0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627 0E0101",
			want{"temperature": 23.8, "humidity": 62.0, "pir": "trigger", "light_level": 2.0,
				"co2": 936.0, "tvoc": 37.0, "pressure": 1008.6, "beep": "yes"}},
		{"am307 pir idle, tvoc in µg/m3, beep no", "am307", "050000 08E61400 0E0100",
			want{"pir": "idle", "tvoc": 20.0, "beep": "no"}},
		{"am307 history: humidity is 2 bytes /2", "am307",
			"20CE" + ts + "1001 5D00 00 03 C501 2500 6627",
			want{"history": []any{am307Want()}}},
		{"am308 history adds pm2_5 0x20 and pm10 0x30", "am308",
			"20CE" + ts + "1001 5D00 00 03 C501 2500 6627 2000 3000",
			want{"history": []any{withPM(am307Want())}}},
		{"am319 hcho and o3 /100, pm2_5, pm10", "am319", "0A7D0400 0D7D0A00 0B7D2000 0C7D3000",
			want{"hcho": 0.04, "o3": 0.1, "pm2_5": 32.0, "pm10": 48.0}},
		{"em300-th two history points", "em300-th",
			"20CE" + ts + "10015D00 20CE" + ts + "F6FF6400",
			want{"history": []any{
				want{"timestamp": tsValue, "temperature": 27.2, "humidity": 46.5},
				want{"timestamp": tsValue, "temperature": -1.0, "humidity": 50.0}}}},
		{"em320-th history is 7 bytes", "em320-th", "20CE" + ts + "10015D 017564",
			want{"battery": 100.0, "history": []any{
				want{"timestamp": tsValue, "temperature": 27.2, "humidity": 46.5}}}},
		{"em300-mcs magnet and history", "em300-mcs", "060001 20CE" + ts + "10015D00",
			want{"magnet_status": "open", "history": []any{want{"timestamp": tsValue,
				"temperature": 27.2, "humidity": 46.5, "magnet_status": "close"}}}},
		{"em300-zld leakage and history", "em300-zld", "050000 20CE" + ts + "10015D01",
			want{"leakage_status": "normal", "history": []any{want{"timestamp": tsValue,
				"temperature": 27.2, "humidity": 46.5, "leakage_status": "leak"}}}},
		{"em310-tilt angles 0x03E8, 0xFC18, 0 and mask 0b101", "em310-tilt",
			"03CF E803 18FC 0000 05",
			want{"angle_x": 10.0, "angle_y": -10.0, "angle_z": 0.0, "threshold_x": "trigger",
				"threshold_y": "normal", "threshold_z": "trigger"}},
		{"em500-co2 temperature alarm and history", "em500-co2",
			"83D7 1901 0A00 02 20CE" + ts + "6704 6827 1901 73",
			want{"temperature": 28.1, "temperature_change": 1.0,
				"temperature_alarm": "mutation alarm", "history": []any{want{
					"timestamp": tsValue, "co2": 1127.0, "pressure": 1008.8,
					"temperature": 28.1, "humidity": 57.5}}}},
		{"em500-udl history", "em500-udl", "20CE" + ts + "1E00",
			want{"history": []any{want{"timestamp": tsValue, "distance": 30.0}}}},
		{"em500-lgt README example and history", "em500-lgt", "017564 039450000000 20CE" + ts +
			"50000000",
			want{"battery": 100.0, "illumination": 80.0,
				"history": []any{want{"timestamp": tsValue, "illumination": 80.0}}}},
		{"em500-pp README example", "em500-pp", "017564 037B0A00",
			want{"battery": 100.0, "pressure": 10.0}},
		{"em500-pt100 history 0xFFF6=-1.0", "em500-pt100", "03671901 20CE" + ts + "F6FF",
			want{"temperature": 28.1,
				"history": []any{want{"timestamp": tsValue, "temperature": -1.0}}}},
		{"em500-smtc README example", "em500-smtc", "017564 03671901 046873 057FF000",
			want{"battery": 100.0, "temperature": 28.1, "moisture": 57.5, "ec": 240.0}},
		{"em500-smt moisture 0x161A/100 and history", "em500-smt", "04CA1A16 20CE" + ts +
			"F000 1901 1A16",
			want{"moisture": 56.58, "history": []any{want{"timestamp": tsValue, "ec": 240.0,
				"temperature": 28.1, "moisture": 56.58}}}},
		{"em500-swl README example and history", "em500-swl", "017564 03770200 20CE" + ts +
			"0200",
			want{"battery": 100.0, "water_level": 2.0,
				"history": []any{want{"timestamp": tsValue, "water_level": 2.0}}}},
		{"ws101 README example", "ws101", "017510 FF2E01",
			want{"battery": 16.0, "press": "short"}},
		{"ws101 double press", "ws101", "FF2E03", want{"press": "double"}},
		{"ws101 undefined press value", "ws101", "FF2E09", want{"press": "unknown"}},
		{"ws202 README example", "ws202", "017510 030001 040000",
			want{"battery": 16.0, "pir": "trigger", "daylight": "dark"}},
		{"ws301 README example", "ws301", "017564 030001 040001",
			want{"battery": 100.0, "door": "open", "install": "no"}},
		{"ws301 closed and installed", "ws301", "030000 040000",
			want{"door": "close", "install": "yes"}},
		{"ws302 weighting 0b0101 = A, fast; 0x03E8, 0x01F4, 0x0320 /10; class C", "ws302",
			"055B 05 E803 F401 2003 FF0F02",
			want{"freq_weight": "A", "time_weight": "fast", "la": 100.0, "laeq": 50.0,
				"lamax": 80.0, "class_type": "class-c"}},
		{"ws303 leak", "ws303", "017564 030001", want{"battery": 100.0, "leak_status": "leak"}},
		{"vs121 README device information", "vs121",
			"FF0101 FF086600B0940976 FF090100 FF1F1F07004B",
			want{"protocol_version": 1.0, "sn": "6600b0940976", "hardware_version": "1.0",
				"firmware_version": "31.7.0.75"}},
		{"vs121 README people in/out and max", "vs121", "05CC02000100 06CD05",
			want{"people_in": 2.0, "people_out": 1.0, "people_count_max": 5.0}},
		{"vs121 README region counts", "vs121", "07D50001000000000003 08D50100000000000000",
			regionWant()},
		{"vs121 README flow from A", "vs121", "09DA0001000200000000",
			want{"a_to_a": 256.0, "a_to_b": 512.0, "a_to_c": 0.0, "a_to_d": 0.0}},
		{"vs121 totals, dwell 0x3C/0x78 s, timestamp", "vs121",
			"0DCC0A000500 0EE4013C007800 0F85" + ts,
			want{"people_total_in": 10.0, "people_total_out": 5.0, "dwell_time_avg": 60.0,
				"dwell_time_max": 120.0, "timestamp": tsValue}},
		{"device information channel 0xFF", "em300-th",
			"FF0110 FF090140 FF0A0114 FF0BFF FF0F00 FF166136C19146870010 FFFF0100 FFFE02",
			want{"ipso_version": "v1.0", "hardware_version": "v1.4", "firmware_version": "v1.14",
				"device_status": "on", "lorawan_class": "Class A", "sn": "6136c19146870010",
				"tsl_version": "v1.0", "reset_event": "reset"}},
		{"model name is matched case-insensitively", " WS301", "030001", want{"door": "open"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, tc.model, 85, tc.hex)
			codectest.CheckOutput(t, out, err, tc.want, 0)
		})
	}
}

// am307Want is the history point of the am307 case: 27.2 °C, 0x005D/2, idle, level 3,
// co2 453, tvoc 37, 0x2766/10 hPa.
func am307Want() want {
	return want{"timestamp": tsValue, "temperature": 27.2, "humidity": 46.5, "pir": "idle",
		"light_level": 3.0, "co2": 453.0, "tvoc": 37.0, "pressure": 1008.6}
}

func withPM(p want) want {
	p["pm2_5"] = 32.0
	p["pm10"] = 48.0
	return p
}

func regionWant() want {
	w := want{}
	for n := 1; n <= 16; n++ {
		w[regionKeys[n]] = 0.0
	}
	w["region_2_count"], w["region_8_count"], w["region_9_count"] = 1.0, 3.0, 1.0
	return w
}

package dragino

import (
	"errors"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

func decodeHex(t *testing.T, port uint8, h string) (codec.Output, error) {
	t.Helper()
	return Decoders()["dragino-lht65"].Decode(codec.Input{FPort: port, Bytes: codectest.Hex(t, h)})
}

// lht65Vectors matches the shared vectors of the devices this decoder serves.
var lht65Vectors = codectest.Vendor("dragino", "lht65", "lht65n")

func TestVectors(t *testing.T) {
	dec := Decoders()["dragino-lht65"]
	for _, v := range codectest.Vectors(t, codectest.TTNVectors, lht65Vectors) {
		t.Run(v.Device+"/"+v.Description, func(t *testing.T) {
			codectest.CheckVector(t, dec, v.Input(t), v)
		})
	}
}

// sht is the battery and built-in reading of the manual's example, CB F6 0B 0D 03 76:
// BAT 0xCBF6 → status 3, 0x0BF6 = 3062 mV; 0x0B0D = 28.29 °C; 0x0376 = 88.6 %RH.
const sht = "CB F6 0B 0D 03 76 "

func base(extra map[string]any) map[string]any {
	m := map[string]any{"BatV": 3.062, "Bat_status": 3.0, "TempC_SHT": 28.29, "Hum_SHT": 88.6}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// TestExtTypes covers the Ext types the vectors do not; each expected value is worked out by
// hand from the manual's payload description.
func TestExtTypes(t *testing.T) {
	tests := []struct {
		name  string
		hex   string
		want  map[string]any
		warns int
	}{
		{"Ext 0 without value bytes", sht + "00",
			base(map[string]any{"Ext_sensor": "No external sensor"}), 0},
		{"Ext 0 with value bytes", sht + "00 7F FF 7F FF",
			base(map[string]any{"Ext_sensor": "No external sensor"}), 0},
		{"negative built-in temperature 0xF5C6=-26.18, humidity 0x025C=60.4",
			"CB F6 F5 C6 02 5C 00",
			map[string]any{"BatV": 3.062, "Bat_status": 3.0, "TempC_SHT": -26.18,
				"Hum_SHT": 60.4, "Ext_sensor": "No external sensor"}, 0},
		{"E1 probe not connected: bit 7 and 0x7FFF=327.67", sht + "81 7F FF 7F FF",
			base(map[string]any{"Ext_sensor": "Temperature Sensor", "TempC_DS": 327.67,
				"No_connect": "Sensor no connection"}), 1},
		{"E1 negative 0xF54F=-27.37", sht + "01 F5 4F 7F FF",
			base(map[string]any{"Ext_sensor": "Temperature Sensor", "TempC_DS": -27.37}), 0},
		{"TMP117 0x0ADD=27.81", sht + "02 0A DD 00 00",
			base(map[string]any{"Ext_sensor": "Temperature Sensor", "TempC_TMP117": 27.81}), 0},
		{"E4 interrupt pin high, no trigger", sht + "04 01 00 00 00",
			base(map[string]any{"Work_mode": "Interrupt Sensor send", "Exti_pin_level": "High",
				"Exti_status": "False"}), 0},
		{"E5 illumination 0x01F4=500 lx", sht + "05 01 F4 00 00",
			base(map[string]any{"Work_mode": "Illumination Sensor", "ILL_lx": 500.0}), 0},
		{"E6 ADC 0x0CE4=3300 mV", sht + "06 0C E4 00 00",
			base(map[string]any{"Work_mode": "ADC Sensor", "ADC_V": 3.3}), 0},
		{"E7 16-bit count 6", sht + "07 00 06 00 00",
			base(map[string]any{"Work_mode": "Interrupt Sensor count", "Exit_count": 6.0}), 0},
		{"E7 32-bit count 0x00010000", sht + "08 00 01 00 00",
			base(map[string]any{"Work_mode": "Interrupt Sensor count", "Exit_count": 65536.0}), 0},
		{"E1 datalog mode: DS temp in BAT bytes, status in humidity bits 15-14",
			"0A DD 0B 0D C3 76 09 60 00 00 00",
			map[string]any{"TempC_DS": 27.81, "Bat_status": 3.0, "TempC_SHT": 28.29,
				"Hum_SHT": 88.6, "Work_mode": "DS18B20 & timestamp",
				"Systimestamp": 1610612736.0}, 0},
		{"DS18B20 ID: bytes 2-5 and 7-10, no SHT readings", "CB F6 28 FF 12 34 0F 56 78 9A BC",
			map[string]any{"BatV": 3.062, "Bat_status": 3.0, "Work_mode": "DS18B20ID",
				"ID": "28 ff 12 34 56 78 9a bc "}, 0},
		{"Ext type 3 is undefined: built-in readings and a warning", sht + "03 00 00 00 00",
			base(nil), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, 2, tc.hex)
			codectest.CheckOutput(t, out, err, tc.want, tc.warns)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		port uint8
		hex  string
		want error
	}{
		{"datalog port 3", 3, sht + "01 0A DD 7F FF", codec.ErrUnknownFPort},
		{"port 42", 42, sht + "01 0A DD 7F FF", codec.ErrUnknownFPort},
		{"six bytes", 2, "CB F6 0B 0D 03 76", codec.ErrTruncated},
		{"empty", 2, "", codec.ErrTruncated},
		{"E1 without its value bytes", 2, sht + "01 0A DD", codec.ErrTruncated},
		{"poll reply flag", 2, sht + "41 0A DD 7F FF", codec.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, tc.port, tc.hex)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got err %v data %v", tc.want, err, out.Data)
			}
		})
	}
}

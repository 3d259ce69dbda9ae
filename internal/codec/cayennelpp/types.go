package cayennelpp

import "encoding/binary"

// The LPP 1.0 base types (ingest/formats.md §6.1), keyed by type byte. Names are
// ChirpStack's.
var baseTypes = map[byte]lppType{
	0:   {"digitalInput", 1, u8Div(1)},
	1:   {"digitalOutput", 1, u8Div(1)},
	2:   {"analogInput", 2, i16Div(100)},
	3:   {"analogOutput", 2, i16Div(100)},
	101: {"illuminanceSensor", 2, u16Div(1)},
	102: {"presenceSensor", 1, u8Div(1)},
	103: {"temperatureSensor", 2, i16Div(10)},
	104: {"humiditySensor", 1, u8Div(2)},
	113: {"accelerometer", 6, xyz(1000)},
	115: {"barometer", 2, u16Div(10)},
	134: {"gyrometer", 6, xyz(100)},
	136: {"gpsLocation", 9, gps},
}

// The extension types ChirpStack v4 adds; see the package comment for the sources.
var extensionTypes = map[byte]lppType{
	100: {"genericSensor", 4, u32Div(1)},
	116: {"voltage", 2, u16Div(100)},     // 0.01 V
	117: {"current", 2, u16Div(1000)},    // 0.001 A
	118: {"frequency", 4, u32Div(1)},     // 1 Hz
	120: {"percentage", 1, u8Div(1)},     // 1 %
	121: {"altitude", 2, i16Div(1)},      // 1 m, signed
	125: {"concentration", 2, u16Div(1)}, // 1 ppm
	128: {"power", 2, u16Div(1)},         // 1 W
	130: {"distance", 4, u32Div(1000)},   // 0.001 m
	131: {"energy", 4, u32Div(1000)},     // 0.001 kWh
	132: {"direction", 2, u16Div(1)},     // 1°
	133: {"unixtime", 4, u32Div(1)},      // seconds
	135: {"colour", 3, colour},
	142: {"switch", 1, u8Div(1)},
}

var baseTable, extendedTable = tables()

func tables() (base, extended [256]*lppType) {
	for code, t := range baseTypes {
		base[code] = &t
		extended[code] = &t
	}
	for code, t := range extensionTypes {
		extended[code] = &t
	}
	return base, extended
}

func u8Div(d float64) func([]byte) any {
	return func(b []byte) any { return float64(b[0]) / d }
}

func u16Div(d float64) func([]byte) any {
	return func(b []byte) any { return float64(binary.BigEndian.Uint16(b)) / d }
}

func i16Div(d float64) func([]byte) any {
	return func(b []byte) any { return float64(int16(binary.BigEndian.Uint16(b))) / d }
}

func u32Div(d float64) func([]byte) any {
	return func(b []byte) any { return float64(binary.BigEndian.Uint32(b)) / d }
}

// xyz is a three-axis value, each axis a signed 16-bit word over d.
func xyz(d float64) func([]byte) any {
	return func(b []byte) any {
		return map[string]any{
			"x": float64(int16(binary.BigEndian.Uint16(b[0:]))) / d,
			"y": float64(int16(binary.BigEndian.Uint16(b[2:]))) / d,
			"z": float64(int16(binary.BigEndian.Uint16(b[4:]))) / d,
		}
	}
}

// int24 is a signed big-endian 24-bit integer.
func int24(b []byte) float64 {
	return float64(int32(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8) >> 8)
}

// gps is latitude and longitude in 0.0001° and altitude in 0.01 m, each a signed 24-bit
// integer.
func gps(b []byte) any {
	return map[string]any{
		"latitude":  int24(b[0:]) / 10000,
		"longitude": int24(b[3:]) / 10000,
		"altitude":  int24(b[6:]) / 100,
	}
}

// colour is one byte each of red, green and blue.
func colour(b []byte) any {
	return map[string]any{"r": float64(b[0]), "g": float64(b[1]), "b": float64(b[2])}
}

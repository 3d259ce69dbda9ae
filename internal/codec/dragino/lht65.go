// Package dragino decodes the uplinks of Dragino sensors. It has one family today: the LHT65
// and LHT65N temperature and humidity sensors, which share the fPort 2 format.
//
// Sources read (formats only, no code copied): the LHT65 user manual §2.4 "Uplink Payload"
// and the LHT65N manual on wiki.dragino.com (same 11-byte layout), and the vendor decoders
// vendor/dragino/lht65.js and lht65n.js in TheThingsNetwork/lorawan-devices for the output
// key names and strings, which are kept exactly (TempC_SHT, Hum_SHT, Ext_sensor, ...).
//
// fPort 2 payload: BAT (2 bytes: status in bits 15-14, voltage in mV in bits 13-0), built-in
// SHT temperature (int16 /100 °C), built-in humidity (bits 11-0, /10 %RH), the Ext byte
// (bits 3-0 the external sensor type, bit 6 poll-reply flag, bit 7 "sensor not connected")
// and 4 bytes of external sensor value. All big-endian. Ext types:
//
//	0x0 no external sensor (the 4 value bytes may be absent)
//	0x1 E1 DS18B20 temperature: TempC_DS int16 /100 (0x7FFF = not connected)
//	0x2 TMP117 temperature (LHT65N): TempC_TMP117 int16 /100
//	0x4 E4 interrupt: Exti_pin_level, Exti_status
//	0x5 E5 illumination: ILL_lx uint16
//	0x6 E6 ADC: ADC_V uint16 /1000
//	0x7 E7 counting, 16 bit: Exit_count
//	0x8 E7 counting, 32 bit: Exit_count
//	0x9 E1 temperature with timestamp (datalog mode): TempC_DS in the BAT bytes, Bat_status
//	    in bits 15-14 of the humidity bytes, Systimestamp uint32
//	0xF DS18B20 ID: ID (8 bytes as "xx " hex), no SHT readings
//
// Other ports (the LHT65N datalog on fPort 3, ...) return an error wrapping
// codec.ErrUnknownFPort, as the vendor decoder's "unknown FPort". Where this decoder parts from
// the vendor script: a poll reply (Ext bit 6) is an error wrapping codec.ErrInvalid, where the
// script returns nothing; counters and timestamps are read unsigned; a payload shorter than its
// Ext type needs is an error wrapping codec.ErrTruncated instead of NaN values; an Ext type the
// manual does not define keeps the built-in readings and adds a warning.
package dragino

import (
	"encoding/binary"
	"fmt"

	"github.com/vindel-hub/vindel/internal/codec"
)

// Decoders returns the package's decoders by the name firmware profiles use.
func Decoders() map[string]codec.Decoder {
	return map[string]codec.Decoder{"dragino-lht65": lht65{}}
}

// lht65 decodes LHT65 and LHT65N uplinks. It has no state, so it is safe for concurrent use.
type lht65 struct{}

// Payload layout (LHT65 manual §2.4).
const (
	lhtPort    = 2
	lhtBaseLen = 7  // BAT, temperature, humidity, Ext
	lhtFullLen = 11 // with the 4 external value bytes
	extByte    = 6
)

// Ext byte bits.
const (
	extTypeMask   = 0x0F
	extPollReply  = 0x40
	extNoConnect  = 0x80
	extNone       = 0x0
	extDatalog    = 0x9
	extDS18B20ID  = 0xF
	notConnected  = 0x7FFF // DS18B20 reading when no probe answers
	batStatusBits = 14
)

// Decode decodes one uplink.
func (lht65) Decode(in codec.Input) (codec.Output, error) {
	if in.FPort != lhtPort {
		return codec.Output{}, fmt.Errorf("dragino-lht65: fPort %d: %w", in.FPort,
			codec.ErrUnknownFPort)
	}
	b := in.Bytes
	if len(b) < lhtBaseLen {
		return codec.Output{}, fmt.Errorf("dragino-lht65: %d bytes, need at least %d: %w",
			len(b), lhtBaseLen, codec.ErrTruncated)
	}
	ext := b[extByte]
	typ := ext & extTypeMask
	if ext&extPollReply != 0 {
		return codec.Output{}, fmt.Errorf("dragino-lht65: poll reply (Ext 0x%02x) not decoded: %w",
			ext, codec.ErrInvalid)
	}
	if typ != extNone && len(b) < lhtFullLen {
		return codec.Output{}, fmt.Errorf("dragino-lht65: Ext type %d needs %d bytes, got %d: %w",
			typ, lhtFullLen, len(b), codec.ErrTruncated)
	}

	out := codec.Output{Data: make(map[string]any, 8)}
	builtIn(b, typ, out.Data)
	if ext&extNoConnect != 0 {
		out.Data["No_connect"] = "Sensor no connection"
	}
	if w := external(b, typ, out.Data); w != "" {
		out.Warnings = append(out.Warnings, w)
	}
	return out, nil
}

// builtIn decodes the battery and the built-in SHT sensor, whose place depends on the Ext type.
func builtIn(b []byte, typ byte, d map[string]any) {
	bat := binary.BigEndian.Uint16(b[0:2])
	if typ == extDatalog {
		d["TempC_DS"] = hundredths(b[0:2])
		d["Bat_status"] = float64(b[4] >> 6)
	} else {
		d["BatV"] = float64(bat&0x3FFF) / 1000
		d["Bat_status"] = float64(bat >> batStatusBits)
	}
	if typ == extDS18B20ID {
		return
	}
	d["TempC_SHT"] = hundredths(b[2:4])
	d["Hum_SHT"] = float64(binary.BigEndian.Uint16(b[4:6])&0x0FFF) / 10
}

// external decodes the external sensor value by Ext type. It returns a warning, or "".
func external(b []byte, typ byte, d map[string]any) string {
	v := b[7:min(len(b), lhtFullLen)]
	switch typ {
	case extNone:
		d["Ext_sensor"] = "No external sensor"
	case 0x1:
		d["Ext_sensor"] = "Temperature Sensor"
		d["TempC_DS"] = hundredths(v[0:2])
		if binary.BigEndian.Uint16(v[0:2]) == notConnected {
			return "external DS18B20 reads 0x7FFF: probe not connected"
		}
	case 0x2:
		d["Ext_sensor"] = "Temperature Sensor"
		d["TempC_TMP117"] = hundredths(v[0:2])
	case 0x4:
		d["Work_mode"] = "Interrupt Sensor send"
		d["Exti_pin_level"] = pick(v[0] != 0, "High", "Low")
		d["Exti_status"] = pick(v[1] != 0, "True", "False")
	case 0x5:
		d["Work_mode"] = "Illumination Sensor"
		d["ILL_lx"] = float64(binary.BigEndian.Uint16(v[0:2]))
	case 0x6:
		d["Work_mode"] = "ADC Sensor"
		d["ADC_V"] = float64(binary.BigEndian.Uint16(v[0:2])) / 1000
	case 0x7:
		d["Work_mode"] = "Interrupt Sensor count"
		d["Exit_count"] = float64(binary.BigEndian.Uint16(v[0:2]))
	case 0x8:
		d["Work_mode"] = "Interrupt Sensor count"
		d["Exit_count"] = float64(binary.BigEndian.Uint32(v[0:4]))
	case extDatalog:
		d["Work_mode"] = "DS18B20 & timestamp"
		d["Systimestamp"] = float64(binary.BigEndian.Uint32(v[0:4]))
	case extDS18B20ID:
		d["Work_mode"] = "DS18B20ID"
		d["ID"] = probeID(b)
	default:
		return fmt.Sprintf("Ext type %d is not in the LHT65 manual: external value not decoded",
			typ)
	}
	return ""
}

// hundredths is a signed 16-bit value in 0.01 units.
func hundredths(v []byte) float64 { return float64(int16(binary.BigEndian.Uint16(v))) / 100 }

func pick(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}

// probeID spells the DS18B20 ID (bytes 2-5 and 7-10) as the vendor decoder does: each byte as
// two lower-case hex digits followed by a space.
func probeID(b []byte) string {
	const digits = "0123456789abcdef"
	var s [8 * 3]byte
	n := 0
	for _, i := range [...]int{2, 3, 4, 5, 7, 8, 9, 10} {
		s[n], s[n+1], s[n+2] = digits[b[i]>>4], digits[b[i]&0x0F], ' '
		n += 3
	}
	return string(s[:])
}

package milesight

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
)

// channel is one (channel ID, channel type) pair of a model: the size of its value and how to
// put it into the output object.
type channel struct {
	id, typ byte
	name    string // channels with the same name decode alike, whatever the model
	size    int    // value bytes; -1 in the generic table when models disagree on it
	// preferred marks the meaning the generic table takes when models disagree.
	preferred bool
	decode    func(v []byte, d map[string]any) // nil in the generic table for a conflict
}

func (c *channel) key() uint16 { return uint16(c.id)<<8 | uint16(c.typ) }

// ch makes a channel whose name is its first output key.
func ch(id, typ byte, size int, name string, dec decodeFunc) *channel {
	return &channel{id: id, typ: typ, name: name, size: size, decode: dec}
}

// prefer marks c as the meaning the generic table takes when models disagree.
func prefer(c *channel) *channel {
	c.preferred = true
	return c
}

// decodeFunc puts one channel value into the output object.
type decodeFunc = func(v []byte, d map[string]any)

// Value readers. Milesight values are little-endian.

func le16(v []byte) float64  { return float64(binary.LittleEndian.Uint16(v)) }
func les16(v []byte) float64 { return float64(int16(binary.LittleEndian.Uint16(v))) }
func le32(v []byte) float64  { return float64(binary.LittleEndian.Uint32(v)) }

func uint8Key(key string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = float64(v[0]) }
}

// halfKey is an unsigned byte in 0.5 units (humidity).
func halfKey(key string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = float64(v[0]) / 2 }
}

// uint16Key is an unsigned 16-bit value divided by div (1 for none).
func uint16Key(key string, div float64) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = le16(v) / div }
}

// int16Key is a signed 16-bit value divided by div.
func int16Key(key string, div float64) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = les16(v) / div }
}

func uint32Key(key string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = le32(v) }
}

// zeroOr is a state byte: zero when it is 0, other for any other value.
func zeroOr(key, zero, other string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = pick(v[0] == 0, zero, other) }
}

// oneOr is a state byte: one when it is 1, other for any other value.
func oneOr(key, one, other string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = pick(v[0] == 1, one, other) }
}

// enumKey looks the byte up in names; a value past the list is "unknown", as the vendor's
// getValue helper answers.
func enumKey(key string, names ...string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = enum(v[0], names) }
}

func enum(b byte, names []string) string {
	if int(b) < len(names) && names[b] != "" {
		return names[b]
	}
	return "unknown"
}

func pick(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}

// appendHistory adds one historical data point to the "history" list.
func appendHistory(d map[string]any, p map[string]any) {
	h, _ := d["history"].([]any)
	d["history"] = append(h, p)
}

// Channels every model has.
var (
	battery     = ch(0x01, 0x75, 1, "battery", uint8Key("battery"))
	temperature = ch(0x03, 0x67, 2, "temperature", int16Key("temperature", 10))
	humidity    = prefer(ch(0x04, 0x68, 1, "humidity", halfKey("humidity")))
)

// Device information on channel 0xFF, as the vendor decoders of current firmware read it.
var attributes = []*channel{
	prefer(ch(0xFF, 0x01, 1, "ipso_version", ipsoVersion)),
	prefer(ch(0xFF, 0x09, 2, "hardware_version", hardwareVersion)),
	ch(0xFF, 0x0A, 2, "firmware_version", firmwareVersion),
	// The device sends FF0B FF once at power-on; the vendor decoders answer "on".
	ch(0xFF, 0x0B, 1, "device_status", constKey("device_status", "on")),
	prefer(ch(0xFF, 0x0F, 1, "lorawan_class",
		enumKey("lorawan_class", "Class A", "Class B", "Class C", "Class CtoB"))),
	ch(0xFF, 0x16, 8, "sn", hexKey("sn")),
	ch(0xFF, 0xFE, 1, "reset_event", constKey("reset_event", "reset")),
	ch(0xFF, 0xFF, 2, "tsl_version", tslVersion),
}

func constKey(key, value string) decodeFunc {
	return func(_ []byte, d map[string]any) { d[key] = value }
}

// hexKey spells the value as lower-case hex digits (serial numbers).
func hexKey(key string) decodeFunc {
	return func(v []byte, d map[string]any) { d[key] = hex.EncodeToString(v) }
}

// ipsoVersion is "v<high nibble>.<low nibble>".
func ipsoVersion(v []byte, d map[string]any) {
	d["ipso_version"] = "v" + strconv.Itoa(int(v[0]>>4)) + "." + strconv.Itoa(int(v[0]&0x0F))
}

// hardwareVersion is "v<major in hex>.<high nibble of minor>".
func hardwareVersion(v []byte, d map[string]any) {
	d["hardware_version"] = "v" + strconv.FormatUint(uint64(v[0]), 16) + "." +
		strconv.Itoa(int(v[1]>>4))
}

// firmwareVersion is "v<major in hex>.<minor in hex>".
func firmwareVersion(v []byte, d map[string]any) {
	d["firmware_version"] = "v" + strconv.FormatUint(uint64(v[0]), 16) + "." +
		strconv.FormatUint(uint64(v[1]), 16)
}

// tslVersion is "v<major>.<minor>" in decimal.
func tslVersion(v []byte, d map[string]any) {
	d["tsl_version"] = "v" + strconv.Itoa(int(v[0])) + "." + strconv.Itoa(int(v[1]))
}

// dotted is the bytes in decimal joined by dots (the VS121 versions).
func dotted(v []byte) string {
	s := make([]byte, 0, 4*len(v))
	for i, x := range v {
		if i > 0 {
			s = append(s, '.')
		}
		s = strconv.AppendUint(s, uint64(x), 10)
	}
	return string(s)
}

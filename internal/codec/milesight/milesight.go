// Package milesight decodes the channel format of Milesight IoT sensors (AM, EM, WS and VS
// families): a sequence of records, each a channel ID byte, a channel type byte and a value
// whose size the pair fixes. Values are little-endian.
//
// The same channel pair means different things on different models (0x04 0x00 is "install"
// on a WS301 and "tilt" on an EM310-UDL), so the decoder reads the model from the device
// variable "model" (ModelVariable), which the firmware profile or registry sets to the
// lower-case model name. Without it, or with a model it does not know, a generic table that
// merges every model is used: a pair whose meaning differs between models is then read past
// with a warning, or ends the parse when even its size differs (history records).
//
// Output keys and values follow each model's vendor decoder as the TTN device repository
// examples show them (testdata/ttn-vectors.jsonl); where the vendor's own repository later
// renamed a key (EM310-UDL "tilt" → "position", VS121 "people_counter_all"), the examples win.
//
// Models and channels covered (ID TYPE → keys), besides the device information of channel
// 0xFF (ipso_version FF01, hardware_version FF09, firmware_version FF0A, device_status FF0B,
// lorawan_class FF0F, sn FF16, reset_event FFFE, tsl_version FFFF) on every model:
//
//	am103           0175 battery, 0367 temperature, 0468 humidity, 077D co2, 20CE history
//	am104           + 056A activity, 0665 illumination/infrared_and_visible/infrared
//	am107           am104 + 077D co2, 087D tvoc, 0973 pressure
//	am307           0500 pir, 06CB light_level, 077D co2, 087D/08E6 tvoc, 0973 pressure,
//	                0E01 beep, 20CE history (16 bytes)
//	am308           am307 + 0B7D pm2_5, 0C7D pm10, 20CE history (20 bytes)
//	am319           am307 without history + 0A7D hcho, 0B7D pm2_5, 0C7D pm10, 0D7D o3
//	em300-th        0367 temperature, 0468 humidity, 20CE history (8 bytes)
//	em320-th        as em300-th, 20CE history (7 bytes)
//	em300-mcs       + 0600 magnet_status, 20CE history
//	em300-sld/zld/mld + 0500 leakage_status, 20CE history
//	em310-udl       0382 distance (mm), 0400 tilt
//	em310-tilt      03CF angle_x/y/z, threshold_x/y/z
//	em500-co2       057D co2, 0673 pressure, 83D7 temperature alarm, 20CE history
//	em500-udl       0382 distance (mm), 20CE history
//	em500-lgt       0394 illumination, 20CE history
//	em500-pp        037B pressure (kPa)
//	em500-pt100     0367 temperature, 83D7 temperature alarm, 20CE history
//	em500-smtc/smt  0468 or 04CA moisture, 057F ec, 83D7 temperature alarm, 20CE history
//	em500-swl       0377 water_level, 20CE history
//	ws101           FF2E press
//	ws202           0300 pir, 0400 daylight
//	ws301           0300 door, 0400 install
//	ws302           055B freq_weight/time_weight/la/laeq/lamax, FF0F class_type
//	ws303           0300 leak_status
//	vs121           04C9 people_counter_all/region_count/regions, 05CC people_in/out,
//	                06CD people_count_max, 07D5/08D5 region_N_count, 09DA-0CDA a_to_a..d_to_d,
//	                0DCC people_total_in/out, 0EE4 dwell_time_avg/max, 0F85 timestamp,
//	                FF01 protocol_version, FF08 sn, FF09 hardware_version, FF1F firmware_version
//
// Sources read (formats only, no code copied): the payload definition tables and examples in
// the README of each model in Milesight-IoT/SensorDecoders, the vendor's per-model decoders
// there (*_TTN.js, *_Decoder.js) and in TheThingsNetwork/lorawan-devices vendor/milesight-iot.
//
// Where this decoder parts from the vendor scripts: an unknown channel ends the parse like in
// the scripts, but adds a warning (an error wrapping codec.ErrInvalid if nothing was decoded);
// a record cut short is an error wrapping codec.ErrTruncated instead of NaN values; the WS302
// time_weight is read from bits 3-2 of its byte (the script reads an undefined value and so
// always answers "impulse"). The VS121 region list keeps the vendor's (mask > index) & 1,
// which the TTN examples encode, rather than a bit test.
package milesight

import (
	"fmt"
	"strings"

	"github.com/vindel-hub/vindel/internal/codec"
)

// ModelVariable is the device variable that names the model, e.g. "ws301" or "em310-udl".
const ModelVariable = "model"

// mapHint sizes the output object: one map group holds eight keys, which most uplinks fit.
const mapHint = 8

// Decoders returns the package's decoders by the name firmware profiles use.
func Decoders() map[string]codec.Decoder {
	return map[string]codec.Decoder{"milesight": decoder{}}
}

// Models returns the model names ModelVariable may hold, sorted.
func Models() []string { return modelNames }

// decoder decodes the Milesight channel format. Its tables are built once and only read, so
// it is safe for concurrent use.
type decoder struct{}

// Decode decodes one uplink. Milesight sensors send on fPort 85 by default but the port is
// configurable, so any port but 0 (MAC commands, LoRaWAN 1.0.4 §4.3.2) is accepted.
func (decoder) Decode(in codec.Input) (codec.Output, error) {
	if in.FPort == 0 {
		return codec.Output{}, fmt.Errorf("milesight: fPort 0 carries MAC commands: %w",
			codec.ErrUnknownFPort)
	}
	b := in.Bytes
	if len(b) == 0 {
		return codec.Output{}, fmt.Errorf("milesight: empty payload: %w", codec.ErrTruncated)
	}
	tbl, warning := tableFor(in.Variables)

	out := codec.Output{Data: make(map[string]any, min(len(b)/3, mapHint))}
	if warning != "" {
		out.Warnings = append(out.Warnings, warning)
	}
	if err := parse(b, tbl, &out); err != nil {
		return codec.Output{}, err
	}
	if len(out.Data) == 0 {
		return codec.Output{}, fmt.Errorf("milesight: nothing decoded (%s): %w",
			strings.Join(out.Warnings, "; "), codec.ErrInvalid)
	}
	return out, nil
}

// parse reads the channels of b into out until the payload ends or a channel cannot be read.
func parse(b []byte, tbl index, out *codec.Output) error {
	for i := 0; i < len(b); {
		if len(b)-i < 2 {
			return fmt.Errorf("milesight: channel header at byte %d cut short: %w",
				i, codec.ErrTruncated)
		}
		id, typ := b[i], b[i+1]
		ch := tbl.get(uint16(id)<<8 | uint16(typ))
		if ch == nil || (ch.decode == nil && ch.size < 0) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s channel 0x%02x 0x%02x at "+
				"byte %d: rest of payload not decoded", unknownWhy(ch), id, typ, i))
			return nil
		}
		i += 2
		if ch.size > len(b)-i {
			return fmt.Errorf("milesight: channel 0x%02x 0x%02x at byte %d needs %d bytes, "+
				"%d left: %w", id, typ, i-2, ch.size, len(b)-i, codec.ErrTruncated)
		}
		if ch.decode == nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("channel 0x%02x 0x%02x differs "+
				"between models and was skipped: set variable %q", id, typ, ModelVariable))
		} else {
			ch.decode(b[i:i+ch.size], out.Data)
		}
		i += ch.size
	}
	return nil
}

// unknownWhy says why a channel could not be read.
func unknownWhy(ch *channel) string {
	if ch == nil {
		return "unknown"
	}
	return fmt.Sprintf("model-specific (set variable %q)", ModelVariable)
}

// tableFor picks the channel table for the device's model, with a warning if the model is
// named but unknown.
func tableFor(vars map[string]string) (index, string) {
	name, ok := vars[ModelVariable]
	if !ok || name == "" {
		return genericIndex, ""
	}
	if t, ok := modelIndexes[name]; ok {
		return t, ""
	}
	if t, ok := modelIndexes[strings.ToLower(strings.TrimSpace(name))]; ok {
		return t, ""
	}
	return genericIndex, fmt.Sprintf("unknown model %q: generic channel table used", name)
}

package chirpstack

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/envelope/jsonfield"
)

// Field numbers of integration.UplinkEvent and the messages it holds, as generated in
// github.com/brocaar/chirpstack-api/go/v3 v3.12.5 (as/integration, gw, common). The event is
// read straight off the wire with protowire: the generated v3 types are of the old
// github.com/golang/protobuf API, whose reflection-based decoding is several times slower,
// and only a few fields matter here. The tests marshal the real generated types.
const (
	upDeviceName  = 3
	upDevEUI      = 4
	upRxInfo      = 5
	upTxInfo      = 6
	upDR          = 8
	upFCnt        = 9
	upFPort       = 10
	upData        = 11
	upObjectJSON  = 12
	upTags        = 13
	upPublishedAt = 16

	rxGatewayID = 1
	rxTime      = 2
	rxRSSI      = 5
	rxLoRaSNR   = 6
	rxLocation  = 11

	txFrequency = 1
	txLoRa      = 3
	loRaBW      = 1
	loRaSF      = 2

	locLatitude  = 1
	locLongitude = 2
	locAltitude  = 3
)

var errWireType = errors.New("unexpected wire type")

// field is one decoded field: its number, wire type, and the value (x for varint and fixed
// types, b for length-delimited ones).
type field struct {
	num protowire.Number
	typ protowire.Type
	x   uint64
	b   []byte
}

// eachField calls fn for every field of the encoded message b (protobuf encoding spec,
// "Message Structure"), stopping at the first error.
func eachField(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			f.x, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.x = uint64(v)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// want reports whether f has wire type t. A known field of another type is an error, as
// proto.Unmarshal of the generated type would fail on it too.
func (f field) want(t protowire.Type) error {
	if f.typ != t {
		return fmt.Errorf("field %d: %w %d", f.num, errWireType, f.typ)
	}
	return nil
}

// pbUplink collects what ParseV3Protobuf needs from the event.
type pbUplink struct {
	u           ingest.Uplink
	devEUI      []byte
	fPort       uint64
	publishedAt time.Time
}

// ParseV3Protobuf parses a binary protobuf integration.UplinkEvent of the ChirpStack v3
// protobuf marshaler (§1.2, §1.4). The bytes carry no event type: the caller must know from
// the MQTT topic or ?event= that it is an uplink.
func ParseV3Protobuf(body []byte) (ingest.Uplink, error) {
	var p pbUplink
	if err := eachField(body, p.top); err != nil {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v3 protobuf: %w: %w", ingest.ErrMalformed, err)
	}
	if len(p.devEUI) != 8 {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v3 protobuf: %w: dev_eui has %d bytes",
			ingest.ErrNoDevEUI, len(p.devEUI))
	}
	if len(p.u.Payload) > ingest.MaxPayload {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v3 protobuf: %w: %d bytes",
			ingest.ErrOversized, len(p.u.Payload))
	}
	if p.fPort > 255 {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v3 protobuf: %w: f_port %d",
			ingest.ErrMalformed, p.fPort)
	}

	u := p.u
	u.DevEUI = hex.EncodeToString(p.devEUI)
	u.FPort = uint8(p.fPort)
	if len(u.Payload) > 0 {
		u.Payload = append([]byte(nil), u.Payload...) // the body is not ours to keep
	}
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = p.publishedAt
	}
	return u, nil
}

// top reads one field of UplinkEvent.
func (p *pbUplink) top(f field) error {
	u := &p.u
	switch f.num {
	case upDeviceName:
		return stringField(f, &u.DeviceName)
	case upDevEUI:
		p.devEUI = f.b
		return f.want(protowire.BytesType)
	case upRxInfo:
		return p.rxInfo(f)
	case upTxInfo:
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		return eachField(f.b, p.txInfo)
	case upDR:
		u.Radio.DataRate = jsonfield.Int(uint64(uint32(f.x)))
		return f.want(protowire.VarintType)
	case upFCnt:
		u.FCnt = uint32(f.x)
		return f.want(protowire.VarintType)
	case upFPort:
		p.fPort = uint64(uint32(f.x))
		return f.want(protowire.VarintType)
	case upData:
		u.Payload = f.b
		return f.want(protowire.BytesType)
	case upObjectJSON:
		var s string
		if err := stringField(f, &s); err != nil {
			return err
		}
		u.Decoded = jsonfield.ObjectString(s)
	case upTags:
		return p.tag(f)
	case upPublishedAt:
		return timestamp(f, &p.publishedAt)
	}
	return nil
}

// rxInfo reads one gw.UplinkRXInfo.
func (p *pbUplink) rxInfo(f field) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	var g ingest.Gateway
	var at time.Time
	err := eachField(f.b, func(f field) error {
		switch f.num {
		case rxGatewayID:
			g.ID = hex.EncodeToString(f.b)
			return f.want(protowire.BytesType)
		case rxTime:
			return timestamp(f, &at)
		case rxRSSI:
			g.RSSI = jsonfield.RSSI(float64(int32(f.x))) // int32: sign-extended varint
			return f.want(protowire.VarintType)
		case rxLoRaSNR:
			g.SNR = math.Float64frombits(f.x)
			return f.want(protowire.Fixed64Type)
		case rxLocation:
			return location(f, &g.Location)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rx_info: %w", err)
	}
	p.u.Gateways = append(p.u.Gateways, g)
	if p.u.ReceivedAt.IsZero() {
		p.u.ReceivedAt = at
	}
	return nil
}

// txInfo reads gw.UplinkTXInfo; lora_modulation_info.bandwidth is in kHz.
func (p *pbUplink) txInfo(f field) error {
	r := &p.u.Radio
	switch f.num {
	case txFrequency:
		r.FrequencyHz = uint64(uint32(f.x))
		return f.want(protowire.VarintType)
	case txLoRa:
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		return eachField(f.b, func(f field) error {
			switch f.num {
			case loRaBW:
				r.BandwidthHz = jsonfield.Int(uint64(uint32(f.x))) * 1000
				return f.want(protowire.VarintType)
			case loRaSF:
				r.SpreadingFactor = jsonfield.Int(uint64(uint32(f.x)))
				return f.want(protowire.VarintType)
			}
			return nil
		})
	}
	return nil
}

// tag reads one map entry (key 1, value 2) of UplinkEvent.tags.
func (p *pbUplink) tag(f field) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	var k, v string
	err := eachField(f.b, func(f field) error {
		switch f.num {
		case 1:
			return stringField(f, &k)
		case 2:
			return stringField(f, &v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	if p.u.Tags == nil {
		p.u.Tags = make(map[string]string)
	}
	p.u.Tags[k] = v
	return nil
}

// location reads a common.Location into a Point, 0,0 meaning unset.
func location(f field, dst **ingest.Point) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	var pt ingest.Point
	err := eachField(f.b, func(f field) error {
		var v *float64
		switch f.num {
		case locLatitude:
			v = &pt.Latitude
		case locLongitude:
			v = &pt.Longitude
		case locAltitude:
			v = &pt.Altitude
		default:
			return nil
		}
		*v = math.Float64frombits(f.x)
		return f.want(protowire.Fixed64Type)
	})
	if err != nil {
		return fmt.Errorf("location: %w", err)
	}
	if pt.Latitude != 0 || pt.Longitude != 0 {
		*dst = &pt
	}
	return nil
}

// timestamp reads a google.protobuf.Timestamp (seconds 1, nanos 2) into UTC.
func timestamp(f field, dst *time.Time) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	var sec, nsec int64
	err := eachField(f.b, func(f field) error {
		switch f.num {
		case 1:
			sec = int64(f.x)
		case 2:
			nsec = int64(int32(f.x))
		default:
			return nil
		}
		return f.want(protowire.VarintType)
	})
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*dst = time.Unix(sec, nsec).UTC()
	return nil
}

// stringField reads a proto3 string, which must be valid UTF-8 (as proto.Unmarshal checks).
func stringField(f field, dst *string) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	if !utf8.Valid(f.b) {
		return fmt.Errorf("field %d: invalid UTF-8", f.num)
	}
	*dst = string(f.b)
	return nil
}

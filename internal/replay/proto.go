package replay

import (
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the ChirpStack v3 "protobuf" marshaler's as/integration UplinkEvent and of
// its gw.UplinkRXInfo (chirpstack-api v3 integration.proto and gw.proto). The rewrite works on
// the wire format, so every field it does not touch stays byte for byte as recorded.
const (
	pbApplicationID protowire.Number = 1  // uint64; v4's UplinkEvent has a string here
	pbDevEUI        protowire.Number = 4  // bytes
	pbRxInfo        protowire.Number = 5  // repeated UplinkRXInfo
	pbFCnt          protowire.Number = 9  // uint32
	pbPublishedAt   protowire.Number = 16 // google.protobuf.Timestamp
	pbRxTime        protowire.Number = 2  // UplinkRXInfo.time, a Timestamp
	pbSeconds       protowire.Number = 1  // Timestamp.seconds
	pbNanos         protowire.Number = 2  // Timestamp.nanos
)

// pbField is one field of a message as it lies on the wire.
type pbField struct {
	num protowire.Number
	typ protowire.Type
	raw []byte // tag and value
	val []byte // the value of a length-delimited field
	v   uint64 // the value of a varint field
}

// splitProto cuts b into its fields, reporting false when b is not a protobuf message.
func splitProto(b []byte) ([]pbField, bool) {
	var fs []pbField
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, false
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, false
		}
		f := pbField{num: num, typ: typ, raw: b[:n+m]}
		switch typ {
		case protowire.BytesType:
			f.val, _ = protowire.ConsumeBytes(b[n:])
		case protowire.VarintType:
			f.v, _ = protowire.ConsumeVarint(b[n:])
		}
		fs = append(fs, f)
		b = b[n+m:]
	}
	return fs, true
}

// isV3Uplink reports whether fs has the shape of a ChirpStack v3 UplinkEvent: an
// application ID (varint) and a DevEUI (bytes), and the right wire types where present.
func isV3Uplink(fs []pbField) bool {
	want := map[protowire.Number]protowire.Type{
		pbApplicationID: protowire.VarintType, pbDevEUI: protowire.BytesType,
		pbRxInfo: protowire.BytesType, pbFCnt: protowire.VarintType,
		pbPublishedAt: protowire.BytesType,
	}
	var app, dev bool
	for _, f := range fs {
		if t, ok := want[f.num]; ok && f.typ != t {
			return false
		}
		app = app || f.num == pbApplicationID
		dev = dev || f.num == pbDevEUI
	}
	return app && dev
}

// rewriteProto applies e to a ChirpStack v3 protobuf UplinkEvent; false when body is not one.
func rewriteProto(body []byte, e edit) ([]byte, bool) {
	fs, ok := splitProto(body)
	if !ok || !isV3Uplink(fs) {
		return nil, false
	}
	var delta time.Duration
	if newest := newestProtoTime(fs); e.shift && !newest.IsZero() {
		delta = e.now.Sub(newest)
	}

	out := make([]byte, 0, len(body)+16)
	sawFCnt := false
	for _, f := range fs {
		switch {
		case f.num == pbFCnt:
			sawFCnt = true
			out = protowire.AppendTag(out, pbFCnt, protowire.VarintType)
			out = protowire.AppendVarint(out, uint64(uint32(f.v)+e.fcnt))
		case f.num == pbPublishedAt && delta != 0:
			out = appendShifted(out, f, delta)
		case f.num == pbRxInfo && delta != 0:
			out = protowire.AppendTag(out, pbRxInfo, protowire.BytesType)
			out = protowire.AppendBytes(out, shiftRxInfo(f.val, delta))
		default:
			out = append(out, f.raw...)
		}
	}
	if !sawFCnt && e.fcnt != 0 { // proto3 leaves out a counter of 0
		out = protowire.AppendTag(out, pbFCnt, protowire.VarintType)
		out = protowire.AppendVarint(out, uint64(e.fcnt))
	}
	return out, true
}

// shiftRxInfo moves the time of one UplinkRXInfo by delta.
func shiftRxInfo(b []byte, delta time.Duration) []byte {
	fs, ok := splitProto(b)
	if !ok {
		return b
	}
	out := make([]byte, 0, len(b)+4)
	for _, f := range fs {
		if f.num == pbRxTime && f.typ == protowire.BytesType {
			out = appendShifted(out, f, delta)
			continue
		}
		out = append(out, f.raw...)
	}
	return out
}

// appendShifted appends the Timestamp field f moved by delta, or f unchanged if it does not
// hold a Timestamp.
func appendShifted(out []byte, f pbField, delta time.Duration) []byte {
	t, ok := protoTime(f.val)
	if !ok {
		return append(out, f.raw...)
	}
	t = t.Add(delta)
	var ts []byte
	if s := t.Unix(); s != 0 {
		ts = protowire.AppendTag(ts, pbSeconds, protowire.VarintType)
		ts = protowire.AppendVarint(ts, uint64(s))
	}
	if ns := t.Nanosecond(); ns != 0 {
		ts = protowire.AppendTag(ts, pbNanos, protowire.VarintType)
		ts = protowire.AppendVarint(ts, uint64(ns))
	}
	out = protowire.AppendTag(out, f.num, protowire.BytesType)
	return protowire.AppendBytes(out, ts)
}

// protoTime decodes a google.protobuf.Timestamp.
func protoTime(b []byte) (time.Time, bool) {
	fs, ok := splitProto(b)
	if !ok {
		return time.Time{}, false
	}
	var sec, nanos int64
	for _, f := range fs {
		switch {
		case f.num == pbSeconds && f.typ == protowire.VarintType:
			sec = int64(f.v)
		case f.num == pbNanos && f.typ == protowire.VarintType:
			nanos = int64(int32(f.v))
		default:
			return time.Time{}, false
		}
	}
	if nanos < 0 || nanos > 999_999_999 {
		return time.Time{}, false
	}
	return time.Unix(sec, nanos).UTC(), true
}

// newestProtoTime is the latest of publishedAt and the rxInfo times; zero when none.
func newestProtoTime(fs []pbField) time.Time {
	var newest time.Time
	see := func(b []byte) {
		if t, ok := protoTime(b); ok && t.After(newest) {
			newest = t
		}
	}
	for _, f := range fs {
		switch f.num {
		case pbPublishedAt:
			see(f.val)
		case pbRxInfo:
			rx, _ := splitProto(f.val)
			for _, g := range rx {
				if g.num == pbRxTime && g.typ == protowire.BytesType {
					see(g.val)
				}
			}
		}
	}
	return newest
}

// protoFCnt returns the frame counter of a ChirpStack v3 protobuf UplinkEvent.
func protoFCnt(body []byte) (uint32, bool) {
	fs, ok := splitProto(body)
	if !ok || !isV3Uplink(fs) {
		return 0, false
	}
	for _, f := range fs {
		if f.num == pbFCnt {
			return uint32(f.v), true
		}
	}
	return 0, true
}

package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// Flags in the kind byte: flagResultTime, that a resultTime follows it; flagResultAtPhenomenon,
// that the resultTime is the phenomenonTime, as it is for every value without a device time
// of its own, which saves eight of an Observation's bytes in both indexes.
const (
	flagResultTime         = 0x80
	flagResultAtPhenomenon = 0x40
	kindFlags              = flagResultTime | flagResultAtPhenomenon
)

// errCorrupt is wrapped by every decoding error: the bytes on disk are not what this
// package writes.
var errCorrupt = errors.New("corrupt record")

// appendResult appends the encoded result and resultTime of o: a kind byte, the resultTime
// (8 bytes) when it is set, then the payload: float64 bits, one bool byte or the string.
func appendResult(dst []byte, o model.Observation) ([]byte, error) {
	kind := byte(o.Result.Kind)
	if kind&kindFlags != 0 || o.Result.Kind > model.KindBool {
		return dst, fmt.Errorf("result kind %d: unknown", o.Result.Kind)
	}
	switch {
	case o.ResultTime.IsZero():
		dst = append(dst, kind)
	case o.ResultTime.Equal(o.PhenomenonTime):
		dst = append(dst, kind|flagResultAtPhenomenon)
	default:
		rt, err := nanos(o.ResultTime)
		if err != nil {
			return dst, fmt.Errorf("resultTime: %w", err)
		}
		dst = append(dst, kind|flagResultTime)
		dst = binary.BigEndian.AppendUint64(dst, uint64(rt))
	}
	switch o.Result.Kind {
	case model.KindNumber:
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(o.Result.Num))
	case model.KindBool:
		dst = append(dst, boolByte(o.Result.Num != 0))
	case model.KindString:
		dst = append(dst, o.Result.Str...)
	}
	return dst, nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decodeResult reads what appendResult wrote into o's Result and ResultTime; o's
// PhenomenonTime is set already.
func decodeResult(b []byte, o *model.Observation) error {
	if len(b) == 0 {
		return fmt.Errorf("empty result: %w", errCorrupt)
	}
	kind, rest := b[0], b[1:]
	o.ResultTime = time.Time{}
	switch kind & kindFlags {
	case kindFlags:
		return fmt.Errorf("result kind %#x: both resultTime flags: %w", kind, errCorrupt)
	case flagResultAtPhenomenon:
		o.ResultTime = o.PhenomenonTime
	case flagResultTime:
		if len(rest) < 8 {
			return fmt.Errorf("short resultTime: %w", errCorrupt)
		}
		o.ResultTime = fromNanos(int64(binary.BigEndian.Uint64(rest)))
		rest = rest[8:]
	}
	switch model.Kind(kind &^ kindFlags) {
	case model.KindNull:
		o.Result = model.Value{}
		return wantLen(rest, 0)
	case model.KindNumber:
		if err := wantLen(rest, 8); err != nil {
			return err
		}
		o.Result = model.Number(math.Float64frombits(binary.BigEndian.Uint64(rest)))
	case model.KindBool:
		if err := wantLen(rest, 1); err != nil {
			return err
		}
		o.Result = model.Bool(rest[0] != 0)
	case model.KindString:
		o.Result = model.String(string(rest))
	default:
		return fmt.Errorf("result kind %d: %w", kind, errCorrupt)
	}
	return nil
}

func wantLen(b []byte, n int) error {
	if len(b) != n {
		return fmt.Errorf("payload of %d bytes, want %d: %w", len(b), n, errCorrupt)
	}
	return nil
}

// appendIDRecord appends the value of an 'i' key: the Datastream, the phenomenonTime and
// the result, so that Get and Scan need no second read.
func appendIDRecord(dst []byte, o model.Observation, pt int64) ([]byte, error) {
	var head [16]byte
	putInt64(head[:], o.DatastreamID)
	putInt64(head[8:], pt)
	return appendResult(append(dst, head[:]...), o)
}

// decodeIDRecord reads an 'i' key's value into an Observation with the given ID.
func decodeIDRecord(id uint64, b []byte) (model.Observation, error) {
	if len(b) < 16 {
		return model.Observation{}, fmt.Errorf("observation %d: short record: %w", id, errCorrupt)
	}
	o := model.Observation{ID: id, DatastreamID: getInt64(b), PhenomenonTime: fromNanos(
		getInt64(b[8:]))}
	if err := decodeResult(b[16:], &o); err != nil {
		return model.Observation{}, fmt.Errorf("observation %d: %w", id, err)
	}
	return o, nil
}

// decodeEntry reads an entry of one Datastream's series into an Observation.
func decodeEntry(ds int64, e chunkEntry) (model.Observation, error) {
	o := model.Observation{ID: e.id, DatastreamID: ds, PhenomenonTime: fromNanos(e.pt)}
	if err := decodeResult(e.rec, &o); err != nil {
		return model.Observation{}, fmt.Errorf("observation %d: %w", e.id, err)
	}
	return o, nil
}

// rawVersion is the first byte of an encoded raw uplink.
const rawVersion = 1

// encodeRaw encodes a raw uplink without its Seq, which is the key: a version byte, the
// receivedAt nanoseconds, six length-prefixed strings and the envelope as the rest.
func encodeRaw(r store.RawUplink, receivedAt int64) []byte {
	return appendRaw(nil, r, receivedAt)
}

// appendRaw appends what encodeRaw returns to b.
func appendRaw(b []byte, r store.RawUplink, receivedAt int64) []byte {
	strs := [...]string{r.Source, r.Topic, r.DevEUI, r.DedupKey, string(r.Outcome), r.Detail}
	b = append(b, rawVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(receivedAt))
	for _, s := range strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, r.Envelope...)
}

// decodeRaw reads what encodeRaw wrote; the envelope is copied out of b.
func decodeRaw(seq uint64, b []byte) (store.RawUplink, error) {
	r, rest, err := decodeRawHead(seq, b)
	if err != nil {
		return store.RawUplink{}, err
	}
	if len(rest) > 0 {
		r.Envelope = append([]byte(nil), rest...)
	}
	return r, nil
}

// rawDedupKey reads only the dedup key of what encodeRaw wrote.
func rawDedupKey(seq uint64, b []byte) (string, error) {
	r, _, err := decodeRawHead(seq, b)
	return r.DedupKey, err
}

// decodeRawHead reads everything encodeRaw wrote but the envelope, which it returns
// uncopied.
func decodeRawHead(seq uint64, b []byte) (store.RawUplink, []byte, error) {
	if len(b) < 9 || b[0] != rawVersion {
		return store.RawUplink{}, nil, fmt.Errorf("raw uplink %d: bad header: %w", seq, errCorrupt)
	}
	r := store.RawUplink{Seq: seq, ReceivedAt: fromNanos(int64(binary.BigEndian.Uint64(b[1:])))}
	rest := b[9:]
	var strs [6]string
	for i := range strs {
		l, n := binary.Uvarint(rest)
		if n <= 0 || l > uint64(len(rest)-n) {
			return store.RawUplink{}, nil, fmt.Errorf("raw uplink %d: field %d: %w", seq, i,
				errCorrupt)
		}
		strs[i], rest = string(rest[n:n+int(l)]), rest[n+int(l):]
	}
	r.Source, r.Topic, r.DevEUI, r.DedupKey = strs[0], strs[1], strs[2], strs[3]
	r.Outcome, r.Detail = store.Outcome(strs[4]), strs[5]
	return r, rest, nil
}

package replay

import (
	"bytes"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// pbFields decodes one message level into field number → values, independently of the
// package's own splitter.
func pbFields(t *testing.T, b []byte) map[protowire.Number][][]byte {
	t.Helper()
	out := map[protowire.Number][][]byte{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag in %x", b)
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			out[num] = append(out[num], protowire.AppendVarint(nil, v))
			b = b[m:]
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				t.Fatalf("bad bytes field %d", num)
			}
			out[num] = append(out[num], v)
			b = b[m:]
		default:
			t.Fatalf("unexpected wire type %d", typ)
		}
	}
	return out
}

func varintOf(t *testing.T, b []byte) uint64 {
	t.Helper()
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		t.Fatalf("bad varint %x", b)
	}
	return v
}

func timestampOf(t *testing.T, b []byte) time.Time {
	t.Helper()
	f := pbFields(t, b)
	var sec, ns uint64
	if v := f[1]; len(v) == 1 {
		sec = varintOf(t, v[0])
	}
	if v := f[2]; len(v) == 1 {
		ns = varintOf(t, v[0])
	}
	return time.Unix(int64(sec), int64(ns)).UTC()
}

func TestRewriteProtobufUplink(t *testing.T) {
	recs, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	in := recs[3].Body
	if n, ok := fcntOf(in); !ok || n != 4711 {
		t.Fatalf("fcntOf = %d, %v; want 4711", n, ok)
	}

	out, err := rewrite(in, edit{shift: true, now: now, fcnt: 5})
	if err != nil {
		t.Fatal(err)
	}
	before, after := pbFields(t, in), pbFields(t, out)
	if got := varintOf(t, after[pbFCnt][0]); got != 4716 {
		t.Errorf("f_cnt = %d, want 4716", got)
	}
	if got := timestampOf(t, after[pbPublishedAt][0]); !got.Equal(now) {
		t.Errorf("published_at = %v, want %v", got, now)
	}
	rx := pbFields(t, after[pbRxInfo][0])
	wantRx := now.Add(-78478 * time.Microsecond) // recorded 78.478 ms before publishedAt
	if got := timestampOf(t, rx[pbRxTime][0]); !got.Equal(wantRx) {
		t.Errorf("rx_info.time = %v, want %v", got, wantRx)
	}
	if !bytes.Equal(rx[1][0], pbFields(t, before[pbRxInfo][0])[1][0]) {
		t.Error("rx_info.gateway_id changed")
	}

	// Every field the rewrite does not own is byte for byte as recorded.
	for num, vals := range before {
		if num == pbFCnt || num == pbPublishedAt || num == pbRxInfo {
			continue
		}
		if len(after[num]) != len(vals) || !bytes.Equal(after[num][0], vals[0]) {
			t.Errorf("field %d changed", num)
		}
	}
}

func TestRewriteProtobufLeavesOthersAlone(t *testing.T) {
	// A ChirpStack v4 UplinkEvent starts with deduplication_id, a string, in field 1.
	v4 := protowire.AppendTag(nil, 1, protowire.BytesType)
	v4 = protowire.AppendString(v4, "7c0e5d2a-8b41-4f6e-9a13-2d5f8c7b1e04")
	v4 = protowire.AppendTag(v4, 9, protowire.VarintType)
	v4 = protowire.AppendVarint(v4, 1)

	tests := []struct {
		name string
		body []byte
	}{
		{"chirpstack v4 protobuf", v4},
		{"not protobuf", []byte{0xff, 0xff, 0xff}},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := rewrite(tt.body, edit{shift: true, now: now, fcnt: 3})
			if err != nil || !bytes.Equal(out, tt.body) {
				t.Errorf("rewrite = %x, %v; want it unchanged", out, err)
			}
			if _, ok := fcntOf(tt.body); ok {
				t.Error("fcntOf found a counter")
			}
		})
	}
}

func TestRewriteProtobufAddsZeroCounter(t *testing.T) {
	b := protowire.AppendTag(nil, pbApplicationID, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	b = protowire.AppendTag(b, pbDevEUI, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	if n, ok := fcntOf(b); !ok || n != 0 {
		t.Fatalf("fcntOf = %d, %v; want 0, true", n, ok)
	}
	out, err := rewrite(b, edit{fcnt: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := fcntOf(out); n != 2 {
		t.Errorf("f_cnt = %d, want 2", n)
	}
}

package rawlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
)

// BenchmarkAppend appends 500-byte records, about a ChirpStack v4 envelope, 128 a call, and
// syncs every 16 calls, as the store does under load; file-write, the reference, writes the
// same framed bytes with one plain write per call and the same syncs. The ratio of their
// MB/s is the log's own cost.
func BenchmarkAppend(b *testing.B) {
	const perCall, syncEvery = 128, 16
	payload := bytes.Repeat([]byte("x"), 500)
	batch := make([]Record, perCall)
	b.Run("rawlog", func(b *testing.B) {
		l, err := Open(vfs.Default, b.TempDir(), Options{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		b.SetBytes(int64(perCall * (headerLen + len(payload))))
		seq := uint64(0)
		for i := 0; b.Loop(); i++ {
			for j := range batch {
				seq++
				batch[j] = Record{Seq: seq, At: int64(seq), Payload: payload}
			}
			if err := l.Append(batch...); err != nil {
				b.Fatal(err)
			}
			if i%syncEvery == syncEvery-1 {
				if err := l.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("file-write", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "plain"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.SetBytes(int64(perCall * (headerLen + len(payload))))
		var buf []byte
		seq := uint64(0)
		for i := 0; b.Loop(); i++ {
			buf = buf[:0]
			for range perCall {
				seq++
				buf = appendRecord(buf, Record{Seq: seq, At: int64(seq), Payload: payload})
			}
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
			if i%syncEvery == syncEvery-1 {
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

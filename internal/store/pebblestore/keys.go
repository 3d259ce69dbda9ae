package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cockroachdb/pebble"
)

// The key prefixes; the package comment describes the layout.
const (
	prefixSeries   = 's'
	prefixSealed   = 'e'
	prefixIDBlock  = 'b'
	prefixMeta     = 'm'
	prefixDevBlock = 'u'

	// Older layouts, which open moves (migrate.go). Layout 1 kept the raw uplinks under
	// 'r' seq:8 and a time index under 't'; layouts 1 and 2 kept the by-ID index as one
	// 'i' id:8 key per Observation; layouts 1 to 3 kept the series as one 'o' key per
	// Observation, with a count per Datastream under 'c'; layouts 1 to 4 kept the device
	// index as one 'd' key per raw uplink.
	prefixRaw     = 'r'
	prefixRawTime = 't'
	prefixID      = 'i'
	prefixObs     = 'o'
	prefixCount   = 'c'
	prefixDevice  = 'd'
)

// Key lengths.
const (
	obsKeyLen    = 1 + 8 + 8 + 8
	obsPrefixLen = 1 + 8
	blockKeyLen  = 1 + 8
)

// layoutVersion is stored under metaVersionKey; a store without it gets its counts rebuilt.
const layoutVersion = 5

var metaVersionKey = []byte{prefixMeta, 'v', 'e', 'r', 's', 'i', 'o', 'n'}

// rawSeqKey holds a sequence number up to which every raw uplink is in a device block.
var rawSeqKey = []byte{prefixMeta, 'r', 'a', 'w', 's', 'e', 'q'}

// errTimeRange is returned for a phenomenonTime that Unix nanoseconds cannot hold.
var errTimeRange = errors.New("time outside 1678-2262")

// minTime and maxTime are the times that Unix nanoseconds can hold.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos returns t as Unix nanoseconds, or an error when t is outside minTime..maxTime.
func nanos(t time.Time) (int64, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("%v: %w", t, errTimeRange)
	}
	return t.UnixNano(), nil
}

// fromNanos is the inverse of nanos; times come back in UTC.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// putInt64 writes v big-endian with the sign bit flipped, so byte order is numeric order.
func putInt64(b []byte, v int64) { binary.BigEndian.PutUint64(b, uint64(v)^(1<<63)) }

// getInt64 reads what putInt64 wrote.
func getInt64(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// obsPrefix returns the prefix of one Datastream's series.
func obsPrefix(ds int64) []byte {
	k := make([]byte, obsPrefixLen, obsKeyLen+1)
	k[0] = prefixObs
	putInt64(k[1:], ds)
	return k
}

// obsKey appends the series key of (ds, t, id) to dst.
func obsKey(dst []byte, ds, t int64, id uint64) []byte {
	var k [obsKeyLen]byte
	k[0] = prefixObs
	putInt64(k[1:], ds)
	putInt64(k[9:], t)
	binary.BigEndian.PutUint64(k[17:], id)
	return append(dst, k[:]...)
}

// parseObsKey splits a series key.
func parseObsKey(k []byte) (ds, t int64, id uint64, err error) {
	if len(k) != obsKeyLen || k[0] != prefixObs {
		return 0, 0, 0, fmt.Errorf("observation key %x: bad shape", k)
	}
	return getInt64(k[1:]), getInt64(k[9:]), binary.BigEndian.Uint64(k[17:]), nil
}

// countKey returns the key of a Datastream's count.
func countKey(ds int64) []byte {
	k := make([]byte, 9)
	k[0] = prefixCount
	putInt64(k[1:], ds)
	return k
}

// devicePrefix returns the prefix of one device's index in the old layout. The DevEUI is length
// prefixed so that one DevEUI being a prefix of another cannot mix their entries.
func devicePrefix(devEUI string) []byte {
	k := make([]byte, 0, 1+binary.MaxVarintLen64+len(devEUI)+8)
	k = append(k, prefixDevice)
	k = binary.AppendUvarint(k, uint64(len(devEUI)))
	return append(k, devEUI...)
}

// parseDeviceKey splits a key of the old device index.
func parseDeviceKey(k []byte) (devEUI string, seq uint64, err error) {
	eui, err := devKeyEUI(k, prefixDevice)
	if err != nil {
		return "", 0, err
	}
	return string(eui), binary.BigEndian.Uint64(k[len(k)-8:]), nil
}

// devKeyEUI returns the DevEUI of a key laid out as prefix, the DevEUI's length as a
// uvarint, the DevEUI and a number of 8 bytes: the old device index ('d') and its blocks
// ('u'). It aliases k.
func devKeyEUI(k []byte, prefix byte) ([]byte, error) {
	l, w := binary.Uvarint(k[min(len(k), 1):])
	if len(k) < 1 || k[0] != prefix || w <= 0 || l > uint64(len(k)) ||
		uint64(len(k)-1-w) != l+8 {
		return nil, fmt.Errorf("device key %x: %w", k, errCorrupt)
	}
	return k[1+w : 1+w+int(l)], nil
}

// deviceKey returns the index key of uplink seq of a device.
func deviceKey(devEUI string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(devicePrefix(devEUI), seq)
}

// prefixBounds are the iterator options of every key under one prefix byte.
func prefixBounds(prefix byte) *pebble.IterOptions {
	return &pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}}
}

// successor returns the smallest key greater than every key that starts with prefix, or
// nil when there is none (the prefix is all 0xff).
func successor(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

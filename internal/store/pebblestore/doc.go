// Package pebblestore is the embedded default store: Observations and raw uplinks in a Pebble
// LSM tree in one directory, with in-memory counts and latest values so that the questions
// the standards ask most often do not touch the disk.
//
// # Key layout
//
// Every key starts with one prefix byte. Integers are big-endian so that byte order is
// numeric order; signed integers (Datastream IDs, Unix nanoseconds) have their sign bit
// flipped so that negatives sort first. Times are Unix nanoseconds, which covers the years
// 1678 to 2262.
//
//	'o' ds:8 phenomenonTime:8 id:8  -> result      one Datastream's series
//	'i' id:8                        -> ds:8 phenomenonTime:8 result   by-ID index
//	'c' ds:8                        -> count:8     Observations per Datastream
//	'm' "version"                   -> version:8   layout version
//	'r' seq:8                       -> raw uplink  the archive
//	'd' len:uvarint devEUI seq:8    -> (empty)     archive by device
//	't' receivedAt:8 seq:8          -> dedupKey    archive by time
//
// Why this layout:
//
//   - SensorThings lists a Datastream's Observations ordered by phenomenonTime, either way,
//     and pages them (OGC 18-088 requirements request-data/orderby, request-data/top and
//     request-data/pagination); NGSI-LD temporal queries select a time interval and page
//     its instances (ETSI GS CIM 009 section 6.3.10). With (ds, time, id) keys a Range is
//     one bounded iterator, forwards or backwards, and a page continues from the last row's
//     key (keyset paging), so a page deep in a long series costs the same as the first: the
//     deep-OFFSET failure of FROST-Server#328 and #1262 cannot happen. The ID breaks ties on
//     identical times.
//   - The stream offset, SensorThings' @iot.id and NGSI-LD's observation id are the
//     Observation ID, so Get and Scan (downloads and stream replay, in ID order) read the
//     'i' index. It holds a full copy of the Observation, not a pointer to the 'o' key:
//     twice the bytes written, but Scan is one sequential iterator instead of one random
//     read per row.
//   - $count=true without a filter (request-data/count) needs a count per Datastream, and
//     counting rows on demand is what made FROST-Server#2096 and #287 time out.
//     The 'c' keys are written in the same atomic batch as the Observations they count, so
//     they cannot drift from the data, even on a crash; they are kept in memory, which makes
//     Count without bounds O(1). Options.Verify recounts them from the 'o' keys on open.
//     Count with bounds counts the keys of one bounded range.
//   - "The latest value of every Datastream" (the NGSI-LD entity view, dashboards,
//     FROST-Server#287 and #1107) is kept in memory; on open it is one reverse seek per
//     Datastream. LastID is the last 'i' key.
//   - Results are encoded compactly, not as JSON: a kind byte, then the resultTime when
//     there is one, then the float64 bits, one bool byte or the string bytes.
//   - Raw uplinks are kept under their own prefix by sequence number, with a per-device
//     index for re-decoding one device and a time index whose values are the dedup keys, so
//     that rebuilding the de-duplication window after a restart is one range read.
//
// # Writes
//
// Append copies the Observations onto a bounded queue. One writer goroutine groups them into
// Pebble batches of Options.BatchSize, or whatever arrived within Options.FlushInterval,
// commits each batch, and only then updates the in-memory counts, latest values and last ID.
// Flush goes through the same queue, so it returns after everything appended before it is
// committed and synced to disk. An Observation whose ID is stored already is skipped.
package pebblestore

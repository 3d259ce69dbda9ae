// Package pebblestore is the embedded default store: Observations in a Pebble LSM tree and
// raw uplinks in an append-only log beside it, in one directory, with in-memory counts and
// latest values so that the questions the standards ask most often do not touch the disk.
//
// # Key layout
//
// Every key starts with one prefix byte. Integers are big-endian so that byte order is
// numeric order; signed integers (Datastream IDs, Unix nanoseconds) have their sign bit
// flipped so that negatives sort first. Times are Unix nanoseconds, which covers the years
// 1678 to 2262.
//
//	's' ds:8 firstTime:8 firstID:8  -> chunk       one Datastream's series, up to 128
//	'e' ds:8                        -> id:8 n:8    sealed mark: what of it is in chunks
//	'b' firstID:8                   -> block       by-ID index, up to 128 Observations
//	'u' len:uvarint devEUI first:8  -> seq block   raw uplinks by device, up to 128
//	'm' "version"                   -> version:8   layout version (5)
//	'm' "head"                      -> id:8        the lowest ID a head may hold, or 0
//	'm' "rawseq"                    -> seq:8       every raw uplink up to it is in a 'u' block
//	'm' "rawtop"                    -> seq:8       the highest number in any 'u' block
//
// The newest Observations of each Datastream are not in a chunk yet but in its head, in
// memory (head.go), until there are 128 of them or the oldest is Options.HeadSpan IDs
// behind the newest. They need no log of their own: they are in the by-ID blocks, and open
// rebuilds the heads from the blocks after 'm' "head", taking each Observation above its
// Datastream's sealed mark. The device index works the same way (devindex.go): a device's
// newest sequence numbers wait in memory until there are 128 or the oldest is
// Options.IndexSpan behind, and open takes them again from the raw log after 'm' "rawseq".
//
// The raw uplinks themselves are not in Pebble but in a rawlog (package rawlog) in the
// subdirectory raw, numbered by sequence.
//
// Why this layout:
//
//   - SensorThings lists a Datastream's Observations ordered by phenomenonTime, either way,
//     and pages them (OGC 18-088 requirements request-data/orderby, request-data/top and
//     request-data/pagination); NGSI-LD temporal queries select a time interval and page
//     its instances (ETSI GS CIM 009 section 6.3.10). A Datastream's chunks never overlap,
//     so a Range is one bounded iterator over them, forwards or backwards, merged with the
//     head's entries in the range, and a page continues from the last row's position
//     (keyset paging): one seek to the chunk that holds it. A page deep in a long series
//     costs the same as the first, so the deep-OFFSET failure of FROST-Server#328 and
//     #1262 cannot happen. The ID breaks ties on identical times.
//   - Chunks, not a key per Observation: placing four series keys per uplink in the
//     memtable, then flushing and compacting them, was most of what the store cost per
//     uplink. A chunk is written once when its head is sealed (an Observation that arrives
//     late, into the span of a chunk already written, rewrites that chunk), and a chunk of
//     128 entries costs the memtable one key.
//   - The stream offset, SensorThings' @iot.id and NGSI-LD's observation id are the
//     Observation ID, so Get and Scan (downloads and stream replay, in ID order) read the
//     by-ID index. Its blocks hold full copies of the Observations, so Scan is one
//     sequential iterator, and a block per run of IDs (usually one commit) instead of a key
//     per Observation halves the keys the memtable must place (idblock.go).
//   - $count=true without a filter (request-data/count) needs a count per Datastream, and
//     counting rows on demand is what made FROST-Server#2096 and #287 time out. A
//     Datastream's count is what its sealed mark counts in its chunks, written in the same
//     atomic batch as the chunks, plus what its head holds, so it cannot drift from the
//     data, even on a crash, and a commit that seals nothing writes no count. The counts
//     are kept in memory, which makes Count without bounds O(1). Options.Verify recounts
//     the chunks on open. Count with bounds walks one bounded range.
//   - "The latest value of every Datastream" (the NGSI-LD entity view, dashboards,
//     FROST-Server#287 and #1107) is kept in memory; on open it is one reverse seek per
//     Datastream and its head's last entry. LastID is the last entry of the last block.
//   - Results are encoded compactly, not as JSON: a kind byte, then the resultTime when
//     there is one and it is not the phenomenonTime (a flag in the kind byte says which),
//     then the float64 bits, one bool byte or the string bytes.
//   - Raw uplinks are written once and read rarely, in order or by device. In the LSM tree
//     each envelope was compressed again and rewritten at every compaction, which made the
//     archive the larger part of the store's cost per uplink; the log writes it once. The
//     per-device index stays in Pebble, in blocks, and rebuilding the de-duplication window after a
//     restart reads the log from its last index entry before the window (rawlog.Log.Since).
//
// Layouts 1 to 4 (raw uplinks under 'r' with a time index under 't'; a by-ID key 'i' per
// Observation; a series key 'o' per Observation with a count key 'c' per Datastream; a
// device index key 'd' per raw uplink) are moved to layout 5 on open (migrate.go).
//
// # Writes
//
// Append copies the Observations onto a bounded queue. One writer goroutine groups them into
// Pebble batches of Options.BatchSize, or whatever arrived within Options.FlushInterval,
// writes each batch's by-ID blocks in key order, seals the heads that are full or old into
// chunks, commits, and only then updates the in-memory heads, counts, latest values and
// last ID. A reader takes its chunk iterator and its copy of the head under one lock, so an
// Observation being sealed is seen in the head, in a chunk or in both (and then taken
// once), never in neither. Flush goes through the same queue, so it returns after
// everything appended before it is committed and synced to disk, and then syncs the raw
// log. An Observation whose ID is stored already is skipped.
//
// Keep appends raw uplinks to the log and their numbers to the pending device index, and
// writes the blocks of devices that have 128 pending or an old one, with 'm' "rawseq", in one
// commit: most Keeps write nothing to Pebble. Open makes pending again what the log holds
// after "rawseq" and no block of its device holds, and numbers new uplinks past a block
// that outlived log records lost in a crash of the machine.
package pebblestore

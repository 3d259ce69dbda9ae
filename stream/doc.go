// Package stream fans newly stored Observations out to live clients over WebSocket
// (/v1/stream) and Server-Sent Events (/v1/stream/sse), with per-client filters and resume from
// a stream offset, so a dashboard that reconnects misses nothing and sees nothing twice.
//
// # Offsets
//
// Every Observation carries an offset: its model.Observation.ID, the same number as the
// SensorThings @iot.id. Offsets increase strictly but are not contiguous; a client keeps the
// highest offset it has seen and resumes after it. Offsets fit JavaScript numbers (< 2^53).
//
// # Subscribing
//
// A WebSocket client subscribes with a JSON text frame:
//
//	{"type":"subscribe","devEuis":["70b3d57ed0000001"],"datastreams":[12,13],
//	 "properties":["air_temperature"],"from":4711}
//
// Every field but "type" is optional. The three filter kinds are ANDed, the values within a
// kind ORed, and an empty or absent kind matches everything, so {"type":"subscribe"} selects
// every public Observation. DevEUIs are 16 hex digits, matched case-insensitively. A filter
// names at most 1,000 values of each kind; unknown or private ids are not an error, they just
// match nothing (a client cannot tell a private device from an absent one).
//
// The same subscription can be given on the URL, without a message, as repeated or
// comma-separated query parameters: ?devEui=…&datastream=…&property=…&from=…. The URL's
// subscription (everything public, live, when it has none of these) starts as soon as the
// connection opens; each subscribe message then replaces the current subscription as a whole,
// even one still replaying. Messages are at most 64 KiB.
//
// # Frames from the server
//
// Every frame is one JSON object with a "type":
//
//	{"type":"subscribed","filter":{"devEuis":[…],"datastreams":[…],"properties":[…]},
//	 "from":4711,"head":5000}
//
// starts a subscription. "head" is the newest offset published when it took effect; "from" is
// the offset replay starts after, and is absent for a live-only subscription. After it come,
// in strictly increasing offset order, the matching Observations with offsets above "from"
// (or above "head" when live only), each once:
//
//	{"type":"observation","offset":4712,"datastream":12,"devEui":"70b3d57ed0000001",
//	 "property":"air_temperature","unit":"Cel","phenomenonTime":"2025-03-01T10:00:00Z",
//	 "resultTime":"2025-03-01T10:00:01.5Z","result":21.5}
//
// "unit" is the Datastream's UCUM code, times are RFC 3339 in UTC, "result" is a JSON number,
// string, boolean or null, and "resultTime" may be null. A subscription with "from" gets
//
//	{"type":"caughtUp","offset":5000}
//
// once the replay has reached "head" (or "from", if that is higher): everything after it is
// live. Offsets restart their increasing order at each "subscribed" frame: a client that
// subscribes by message may first get frames of the URL's subscription, which end there.
//
//	{"type":"error","code":"bad_request","message":"…"}
//
// reports a bad subscribe message (the current subscription stays) or bad URL parameters (the
// connection is then closed with 1008). Other codes: "replay_limited" (see Resume),
// "replay_failed" (the store could not be read; the connection is closed with 1011, since the
// hub cannot resume without a gap), and for SSE only "too_slow" and "going_away" (see
// Server-Sent Events).
//
// # Resume
//
// With "from", the hub sends every matching Observation with a greater offset exactly once, in
// offset order, with no gap and no duplicate between replay and live: the client is
// registered for live delivery into its queue first, while the queue is held back; the replay
// covers offsets up to "head" from the in-memory ring when the ring still holds them, else
// from the store; then the queue is drained, skipping offsets the replay already passed.
// "from":0 replays everything the store holds.
//
// One resume reads at most Options.MaxReplay Observations from the store, counted before the
// filter is applied (that is what the replay costs). When the range after "from" holds more,
// the hub sends {"type":"error","code":"replay_limited","message":"…","from":N} before
// "subscribed", and replays the newest MaxReplay stored Observations, those after offset N,
// which is also the "from" of the "subscribed" frame. It never skips silently.
//
// A "from" beyond the newest offset (the client kept its offset across a reset of the hub's
// data, or talks to another hub) gets {"type":"error","code":"from_ahead","message":"…",
// "from":H} with H the newest offset, and the subscription continues after H, instead of
// waiting in silence for offsets that may never come.
//
// # Visibility
//
// An Observation is sent only if its Datastream is in the catalogue's public view
// (devices.Catalog.Public) at the moment it is sent, live or replayed; a device turned private
// stops being streamed at once, including Observations already queued. The hub asks the
// catalogue for every frame, so Public must be cheap (devices.Registry's is an atomic load).
//
// # Flow control and keepalive
//
// Each client has one writer goroutine and a bounded queue (Options.ClientQueue); Publish only
// makes non-blocking sends, so a slow client never stalls the others. A client whose queue is
// full is closed with status 1008 (policy violation, RFC 6455 section 7.4.1) and the reason
// "too slow: N queued", and counted in vindel_stream_slow_clients_closed_total; it may
// reconnect and resume. The server pings every Options.PingInterval and closes (1008, "pong
// timeout") a client that has sent neither a pong nor any frame for twice that.
// Hub.Close closes every client with 1001 (going away).
//
// # Server-Sent Events
//
// GET /v1/stream/sse takes the filter and "from" as query parameters and sends the same JSON
// as the data of events named after the frame type ("event: observation", "event:
// subscribed", …); observation events carry "id: <offset>", so a browser's EventSource
// resumes by itself through the Last-Event-ID header, which takes precedence over ?from=.
// Comment lines (": ping") keep the connection open. Bad parameters are answered with 400 and
// an error frame as the body. Where a WebSocket gets a close frame, an SSE client gets a last
// "event: error" before the response ends: code "too_slow" when it fell behind, "going_away"
// when the hub shuts down.
//
// # Origins
//
// The WebSocket upgrade accepts any Origin. The stream carries only public open data and uses
// no cookies or other credentials, so a page on another site that opens it learns nothing it
// could not fetch itself; refusing foreign origins would only break third-party dashboards.
package stream

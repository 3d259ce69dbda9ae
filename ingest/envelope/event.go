package envelope

import (
	"net/url"
	"strings"

	"github.com/vindel-hub/vindel/ingest"
)

// eventKind is what a transport's event name says about a Message.
type eventKind int

const (
	eventUnknown eventKind = iota // no event name, or one not listed: the body decides
	eventUplink
	eventOther // a known event that is not an uplink
)

// eventName returns the event type of m: m.Event when the transport set it, else the ?event=
// query parameter of the HTTP integrations (§1.5, §2.1), else the last segment of the topic
// or path (ChirpStack ".../event/up" §1.1, §2.1; TTS ".../up" §3.1). Under a "command" or
// "down" segment it is "down": ChirpStack command/down and the TTS down/* topics.
func eventName(m *ingest.Message) string {
	if m.Event != "" {
		return m.Event
	}
	path, query, _ := strings.Cut(m.Topic, "?")
	if query != "" {
		if q, err := url.ParseQuery(query); err == nil && q.Get("event") != "" {
			return q.Get("event")
		}
	}
	path = strings.TrimRight(path, "/")
	head, last := path, path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		head, last = path[:i], path[i+1:]
	}
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		head = head[i+1:]
	}
	if head == "command" || head == "down" {
		return "down"
	}
	return last
}

// classifyEvent sorts event names of ChirpStack v3 (§1.1, including the pre-3.11 rx/tx
// topics), ChirpStack v4 (§2.1), TTS MQTT topics (§3.1) and TTS webhook message types (§3.3,
// also with dashes, as they often appear in webhook paths).
func classifyEvent(name string) eventKind {
	name = strings.ToLower(name)
	switch name {
	case "":
		return eventUnknown
	case "up", "uplink", "rx", "uplink_message", "uplink-message":
		return eventUplink
	case "join", "join_accept", "join-accept", "status", "ack", "nack", "txack", "error", "log",
		"location", "location_solved", "location-solved", "solved", "integration", "down",
		"tx", "push", "replace", "queued", "sent", "failed", "service", "service_data",
		"service-data", "uplink_normalized", "uplink-normalized", "normalized":
		return eventOther
	}
	if strings.HasPrefix(name, "downlink") {
		return eventOther
	}
	return eventUnknown
}

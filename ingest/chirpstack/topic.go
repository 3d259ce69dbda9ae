package chirpstack

import (
	"strings"

	"github.com/vindel-hub/vindel/ingest"
)

// TopicDevEUI returns the DevEUI a ChirpStack MQTT event topic names, as
// application/{id}/device/{devEUI}/event/{event} (v3 and v4 alike), normalised; false for
// any other topic or an invalid DevEUI. The pipeline keeps a malformed envelope under it, so
// the device's owner finds it among the device's raw uplinks.
func TopicDevEUI(topic string) (string, bool) {
	parts := strings.Split(topic, "/")
	if len(parts) != 6 || parts[0] != "application" || parts[2] != "device" ||
		parts[4] != "event" {
		return "", false
	}
	eui, err := ingest.NormalizeDevEUI(parts[3])
	return eui, err == nil
}

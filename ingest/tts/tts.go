// Package tts parses the application-layer messages of The Things Stack v3 (TTN v3, TTS
// Cloud, Enterprise and Open Source) as MQTT and webhooks deliver them in JSON
// (ingest/formats.md §3). Only uplink_message becomes an ingest.Uplink.
package tts

import (
	"fmt"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/envelope/jsonfield"
)

// message is what the parser reads of an ApplicationUp (§3.2): end_device_ids, received_at
// and one message-type key, of which only uplink_message is read. TTS omits empty fields.
type message struct {
	u                  ingest.Uplink
	devEUI, receivedAt string // received_at at the top level
	upReceivedAt       string // uplink_message.received_at
	fCnt, fPort        uint64
	payload            []byte
	hasIDs, hasUplink  bool
}

// ParseUplink parses a TTS ApplicationUp JSON body holding an uplink_message. Other message
// types (join_accept, downlink_*, location_solved, service_data, uplink_normalized) give an
// error wrapping ingest.ErrNotUplink.
func ParseUplink(body []byte) (ingest.Uplink, error) {
	var m message
	r := jsonfield.NewReader(body)
	if r.Kind() != '{' {
		return ingest.Uplink{}, fmt.Errorf("tts: %w: not a JSON object", ingest.ErrMalformed)
	}
	m.read(&r)
	if err := r.Err(); err != nil {
		return ingest.Uplink{}, fmt.Errorf("tts: %w: %w", ingest.ErrMalformed, err)
	}
	if !m.hasUplink {
		if !m.hasIDs {
			return ingest.Uplink{}, fmt.Errorf("tts: %w: no end_device_ids", ingest.ErrMalformed)
		}
		return ingest.Uplink{}, fmt.Errorf("tts: no uplink_message: %w", ingest.ErrNotUplink)
	}
	if err := m.finish(); err != nil {
		return m.u, fmt.Errorf("tts: %w", err) // m.u has the DevEUI when it was valid
	}
	return m.u, nil
}

func (m *message) read(r *jsonfield.Reader) {
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "end_device_ids":
			m.readIDs(r)
		case "received_at":
			m.receivedAt = r.String()
		case "uplink_message":
			m.readUplink(r)
		default:
			r.Skip()
		}
	}
	r.End()
}

func (m *message) readIDs(r *jsonfield.Reader) {
	if !r.Object() {
		return
	}
	m.hasIDs = true
	for r.Next() {
		switch string(r.Key()) {
		case "device_id":
			m.u.DeviceName = r.String()
		case "dev_eui": // upper-case hex
			m.devEUI = r.String()
		default:
			r.Skip()
		}
	}
}

func (m *message) readUplink(r *jsonfield.Reader) {
	if !r.Object() {
		return
	}
	m.hasUplink = true
	u := &m.u
	for r.Next() {
		switch string(r.Key()) {
		case "f_port":
			m.fPort = r.Uint()
		case "f_cnt":
			m.fCnt = r.Uint()
		case "frm_payload":
			m.payload = r.StringBytes()
		case "decoded_payload":
			u.Decoded = r.ObjectValue()
		case "rx_metadata":
			m.readRxMetadata(r)
		case "settings":
			readSettings(r, &u.Radio)
		case "received_at":
			m.upReceivedAt = r.String()
		case "attributes": // end-device attributes, TTS 3.34.0+
			u.Tags = r.StringMap()
		case "version_ids":
			readVersionIDs(r, &u.Profile)
		default:
			r.Skip()
		}
	}
}

// readVersionIDs reads the Device Repository identifiers (§3.2): brand_id is the vendor
// folder, model_id the device.
func readVersionIDs(r *jsonfield.Reader, p *ingest.ProfileHint) {
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "brand_id":
			p.Vendor = r.String()
		case "model_id":
			p.Model = r.String()
		case "firmware_version":
			p.Firmware = r.String()
		default:
			r.Skip()
		}
	}
}

// finish converts and checks the fields read into m.u.
func (m *message) finish() error {
	u := &m.u
	var err error
	if m.devEUI == "" {
		// TTS may have ABP devices registered without a DevEUI.
		return fmt.Errorf("%w: end_device_ids.dev_eui missing", ingest.ErrNoDevEUI)
	}
	if u.DevEUI, err = jsonfield.EUI(m.devEUI); err != nil {
		return err
	}
	if u.FPort, err = jsonfield.FPort(m.fPort); err != nil {
		return err
	}
	if u.FCnt, err = jsonfield.FCnt(m.fCnt); err != nil {
		return err
	}
	if u.Payload, err = jsonfield.Payload(m.payload); err != nil {
		return err
	}
	u.ReceivedAt = jsonfield.Time(m.upReceivedAt)
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = jsonfield.Time(m.receivedAt)
	}
	return nil
}

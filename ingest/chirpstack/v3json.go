// Package chirpstack parses the event envelopes of ChirpStack: the v3 Application Server's
// three marshalers (json_v3, json, protobuf) and ChirpStack v4's JSON (ingest/formats.md
// §1 and §2). Each parser returns an ingest.Uplink without Source and Dialect, which the
// caller sets, and classifies bad input with the ingest sentinel errors.
package chirpstack

import (
	"fmt"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/envelope/jsonfield"
)

// v3Event is what the v3 parser reads of an event (§1.4). The json_v3 and json marshalers
// share their key names; they differ in how bytes are written (hex or base64), where dr sits,
// and object versus objectJSON, so one reader takes both. Unknown keys are skipped.
type v3Event struct {
	u                  ingest.Uplink
	devEUI, objectJSON string
	publishedAt        string
	fCnt, fPort, dr    uint64
	data               []byte
	hasCount, hasDR    bool // fCnt, fPort or data present; dr present
	hasApp             bool
	other              string // the event kind, when a key says it is no uplink
}

// v3Others are the keys that only events other than uplinks carry (§1.4 "Other v3 events",
// §1.1 downlink command), and what they mean.
var v3Others = map[string]string{
	"confirmed":           "downlink command",
	"margin":              "status event",
	"batteryLevel":        "status event",
	"externalPowerSource": "status event",
	"acknowledged":        "ack event",
	"error":               "error event",
	"gatewayID":           "txack event",
	"location":            "location event",
	"uplinkIDs":           "location event",
	"integrationName":     "integration event",
}

// ParseV3JSONv3 parses an uplink event of the ChirpStack v3 json_v3 marshaler (the v3
// default: hex EUIs, parsed object, txInfo.dr). Because the json marshaler uses the same key
// names, it reads that layout too; ParseV3JSON is the same parser under the other name.
func ParseV3JSONv3(body []byte) (ingest.Uplink, error) {
	return parseV3(body, "chirpstack v3 json_v3")
}

// ParseV3JSON parses an uplink event of the ChirpStack v3 json marshaler (protobuf JSON
// mapping: base64 bytes, objectJSON string, dr at the top level). See ParseV3JSONv3.
func ParseV3JSON(body []byte) (ingest.Uplink, error) {
	return parseV3(body, "chirpstack v3 json")
}

func parseV3(body []byte, what string) (ingest.Uplink, error) {
	var e v3Event
	r := jsonfield.NewReader(body)
	if r.Kind() != '{' {
		return ingest.Uplink{}, fmt.Errorf("%s: %w: not a JSON object", what, ingest.ErrMalformed)
	}
	e.read(&r)
	if err := r.Err(); err != nil {
		return ingest.Uplink{}, fmt.Errorf("%s: %w: %w", what, ingest.ErrMalformed, err)
	}
	if err := e.check(); err != nil {
		return ingest.Uplink{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := e.finish(); err != nil {
		return e.u, fmt.Errorf("%s: %w", what, err) // e.u has the DevEUI when it was valid
	}
	return e.u, nil
}

func (e *v3Event) read(r *jsonfield.Reader) {
	u := &e.u
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "deviceName":
			u.DeviceName = r.String()
		case "devEUI":
			e.devEUI = r.String()
		case "rxInfo":
			e.readRxInfo(r)
		case "txInfo":
			e.readTxInfo(r)
		case "dr": // json marshaler: top level
			e.dr, e.hasDR = r.Uint(), true
		case "fCnt":
			e.fCnt, e.hasCount = r.Uint(), true
		case "fPort":
			e.fPort, e.hasCount = r.Uint(), true
		case "data":
			e.data, e.hasCount = r.StringBytes(), true
		case "object": // json_v3
			u.Decoded = r.ObjectValue()
		case "objectJSON": // json
			e.objectJSON = r.String()
		case "tags":
			u.Tags = r.StringMap()
		case "publishedAt":
			e.publishedAt = r.String()
		case "applicationID", "applicationName":
			e.hasApp = true
			r.Skip()
		default:
			if kind, ok := v3Others[string(r.Key())]; ok && r.Present() {
				e.other = kind
				continue
			}
			r.Skip()
		}
	}
	r.End()
}

func (e *v3Event) readRxInfo(r *jsonfield.Reader) {
	r.Array()
	for r.NextItem() {
		var g ingest.Gateway
		var at string
		r.Object()
		for r.Next() {
			switch string(r.Key()) {
			case "gatewayID":
				g.ID = jsonfield.GatewayID(r.String())
			case "time":
				at = r.String()
			case "rssi":
				g.RSSI = jsonfield.RSSI(r.Float())
			case "loRaSNR":
				g.SNR = r.Float()
			case "location":
				g.Location = r.Location()
			default:
				r.Skip()
			}
		}
		e.u.Gateways = append(e.u.Gateways, g)
		if e.u.ReceivedAt.IsZero() {
			e.u.ReceivedAt = jsonfield.Time(at)
		}
	}
}

// readTxInfo reads txInfo; v3 gives the LoRa bandwidth in kHz (§1.4), Uplink keeps Hz.
func (e *v3Event) readTxInfo(r *jsonfield.Reader) {
	radio := &e.u.Radio
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "frequency":
			radio.FrequencyHz = r.Uint()
		case "dr": // json_v3 marshaler: inside txInfo
			if dr := r.Uint(); !e.hasDR {
				e.dr = dr
			}
		case "loRaModulationInfo":
			r.Object()
			for r.Next() {
				switch string(r.Key()) {
				case "bandwidth":
					radio.BandwidthHz = jsonfield.Int(r.Uint()) * 1000
				case "spreadingFactor":
					radio.SpreadingFactor = jsonfield.Int(r.Uint())
				default:
					r.Skip()
				}
			}
		default:
			r.Skip()
		}
	}
}

// check tells an uplink from the other events and from JSON that is no v3 event at all.
func (e *v3Event) check() error {
	if e.other != "" {
		return fmt.Errorf("%s: %w", e.other, ingest.ErrNotUplink)
	}
	// Every uplink has fCnt and fPort (json_v3 writes them always, json emits defaults); a
	// join event has neither.
	if !e.hasCount {
		if e.devEUI == "" && !e.hasApp {
			return fmt.Errorf("%w: no ChirpStack v3 event keys", ingest.ErrMalformed)
		}
		return fmt.Errorf("join or other event without fCnt: %w", ingest.ErrNotUplink)
	}
	return nil
}

// finish converts and checks the fields read into e.u.
func (e *v3Event) finish() error {
	u := &e.u
	var err error
	if u.DevEUI, err = jsonfield.EUI(e.devEUI); err != nil {
		return err
	}
	if u.FPort, err = jsonfield.FPort(e.fPort); err != nil {
		return err
	}
	if u.FCnt, err = jsonfield.FCnt(e.fCnt); err != nil {
		return err
	}
	if u.Payload, err = jsonfield.Payload(e.data); err != nil {
		return err
	}
	if u.Decoded == nil && e.objectJSON != "" {
		u.Decoded = jsonfield.ObjectString(e.objectJSON)
	}
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = jsonfield.Time(e.publishedAt)
	}
	u.Radio.DataRate = jsonfield.Int(e.dr)
	return nil
}

package chirpstack

import (
	"fmt"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/envelope/jsonfield"
)

// v4Event is what the v4 parser reads of an event (§2.2). v4 leaves out zero values, so every
// field is optional; unknown keys are skipped.
type v4Event struct {
	u               ingest.Uplink
	devEUI, time    string
	fCnt, fPort, dr uint64
	data            []byte
	hasDeviceInfo   bool
	hasTopDevEUI    bool // devEui outside deviceInfo: the downlink command (§2.1)
	hasUplinkKeys   bool // rxInfo, txInfo, data, fCnt or fPort
	other           string
}

// v4Others are the keys that only the other v4 events carry (§2.2 "Other v4 events").
var v4Others = map[string]string{
	"margin":              "status event",
	"batteryLevel":        "status event",
	"externalPowerSource": "status event",
	"acknowledged":        "ack event",
	"queueItemId":         "ack or txack event",
	"fCntDown":            "ack or txack event",
	"downlinkId":          "txack event",
	"level":               "log event",
	"code":                "log event",
	"location":            "location event",
	"integrationName":     "integration event",
}

// ParseV4JSON parses a ChirpStack v4 uplink event in JSON (the default of
// [integration.mqtt] json=true and of the HTTP integration).
func ParseV4JSON(body []byte) (ingest.Uplink, error) {
	var e v4Event
	r := jsonfield.NewReader(body)
	if r.Kind() != '{' {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v4: %w: not a JSON object",
			ingest.ErrMalformed)
	}
	e.read(&r)
	if err := r.Err(); err != nil {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v4: %w: %w", ingest.ErrMalformed, err)
	}
	if err := e.check(); err != nil {
		return ingest.Uplink{}, fmt.Errorf("chirpstack v4: %w", err)
	}
	if err := e.finish(); err != nil {
		return e.u, fmt.Errorf("chirpstack v4: %w", err) // e.u has the DevEUI when it was valid
	}
	return e.u, nil
}

func (e *v4Event) read(r *jsonfield.Reader) {
	u := &e.u
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "time":
			e.time = r.String()
		case "deviceInfo":
			e.readDeviceInfo(r)
		case "devEui":
			e.hasTopDevEUI = r.Present()
		case "dr":
			e.dr = r.Uint()
		case "fCnt":
			e.fCnt, e.hasUplinkKeys = r.Uint(), true
		case "fPort":
			e.fPort, e.hasUplinkKeys = r.Uint(), true
		case "data":
			e.data, e.hasUplinkKeys = r.StringBytes(), true
		case "object":
			u.Decoded = r.ObjectValue()
		case "rxInfo":
			e.hasUplinkKeys = true
			e.readRxInfo(r)
		case "txInfo":
			e.hasUplinkKeys = true
			e.readTxInfo(r)
		default:
			if kind, ok := v4Others[string(r.Key())]; ok && r.Present() {
				e.other = kind
				continue
			}
			r.Skip()
		}
	}
	r.End()
}

func (e *v4Event) readDeviceInfo(r *jsonfield.Reader) {
	if !r.Object() {
		return
	}
	e.hasDeviceInfo = true
	for r.Next() {
		switch string(r.Key()) {
		case "deviceName":
			e.u.DeviceName = r.String()
		case "devEui":
			e.devEUI = r.String()
		case "tags": // device-profile and device tags merged (§2.2)
			e.u.Tags = r.StringMap()
		default:
			r.Skip()
		}
	}
}

func (e *v4Event) readRxInfo(r *jsonfield.Reader) {
	r.Array()
	for r.NextItem() {
		var g ingest.Gateway
		var nsTime string
		r.Object()
		for r.Next() {
			switch string(r.Key()) {
			case "gatewayId":
				g.ID = jsonfield.GatewayID(r.String())
			case "nsTime":
				nsTime = r.String()
			case "rssi":
				g.RSSI = jsonfield.RSSI(r.Float())
			case "snr":
				g.SNR = r.Float()
			case "location":
				g.Location = r.Location()
			default:
				r.Skip()
			}
		}
		e.u.Gateways = append(e.u.Gateways, g)
		if e.time == "" && e.u.ReceivedAt.IsZero() {
			e.u.ReceivedAt = jsonfield.Time(nsTime)
		}
	}
}

// readTxInfo reads txInfo; v4 gives the LoRa bandwidth in Hz (§2.2).
func (e *v4Event) readTxInfo(r *jsonfield.Reader) {
	radio := &e.u.Radio
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "frequency":
			radio.FrequencyHz = r.Uint()
		case "modulation":
			r.Object()
			for r.Next() {
				if string(r.Key()) != "lora" {
					r.Skip()
					continue
				}
				r.Object()
				for r.Next() {
					switch string(r.Key()) {
					case "bandwidth":
						radio.BandwidthHz = jsonfield.Int(r.Uint())
					case "spreadingFactor":
						radio.SpreadingFactor = jsonfield.Int(r.Uint())
					default:
						r.Skip()
					}
				}
			}
		default:
			r.Skip()
		}
	}
}

// check tells an uplink from the other events and from JSON that is no v4 event.
func (e *v4Event) check() error {
	if !e.hasDeviceInfo {
		if e.hasTopDevEUI {
			return fmt.Errorf("downlink command: %w", ingest.ErrNotUplink)
		}
		return fmt.Errorf("%w: no deviceInfo", ingest.ErrMalformed)
	}
	if e.other != "" {
		return fmt.Errorf("%s: %w", e.other, ingest.ErrNotUplink)
	}
	// A join event has deviceInfo and devAddr only; every uplink went through a gateway.
	if !e.hasUplinkKeys {
		return fmt.Errorf("join or other event without rxInfo: %w", ingest.ErrNotUplink)
	}
	return nil
}

// finish converts and checks the fields read into e.u.
func (e *v4Event) finish() error {
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
	if e.time != "" {
		u.ReceivedAt = jsonfield.Time(e.time)
	}
	u.Radio.DataRate = jsonfield.Int(e.dr)
	return nil
}

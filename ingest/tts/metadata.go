package tts

import (
	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/ingest/envelope/jsonfield"
)

// readRxMetadata reads uplink_message.rx_metadata, one entry per gateway (§3.2).
func (m *message) readRxMetadata(r *jsonfield.Reader) {
	r.Array()
	for r.NextItem() {
		m.u.Gateways = append(m.u.Gateways, readGateway(r))
	}
}

// readGateway prefers the gateway EUI (hex, like the other dialects) to the TTS gateway ID,
// which is a name; Packet Broker gateways may have no EUI. rssi may be missing where
// channel_rssi is not, and both are floats.
func readGateway(r *jsonfield.Reader) ingest.Gateway {
	var g ingest.Gateway
	var eui string
	var rssi, channelRSSI float64
	hasRSSI := false
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "gateway_ids":
			g.ID, eui = readGatewayIDs(r)
		case "rssi":
			rssi, hasRSSI = r.Float(), true
		case "channel_rssi":
			channelRSSI = r.Float()
		case "snr":
			g.SNR = r.Float()
		case "location":
			g.Location = r.Location()
		default:
			r.Skip()
		}
	}
	if id, err := jsonfield.EUI(eui); err == nil {
		g.ID = id
	}
	if !hasRSSI {
		rssi = channelRSSI
	}
	g.RSSI = jsonfield.RSSI(rssi)
	return g
}

func readGatewayIDs(r *jsonfield.Reader) (id, eui string) {
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "gateway_id":
			id = r.String()
		case "eui":
			eui = r.String()
		default:
			r.Skip()
		}
	}
	return id, eui
}

// readSettings reads uplink_message.settings: frequency is a string (uint64 in the protobuf
// JSON mapping), the LoRa bandwidth is in Hz. Older TTS versions sent data_rate_index, and
// put coding_rate directly under settings rather than under data_rate.lora; Uplink keeps no
// coding rate, so neither place is read and both are accepted.
func readSettings(r *jsonfield.Reader, radio *ingest.Radio) {
	r.Object()
	for r.Next() {
		switch string(r.Key()) {
		case "frequency":
			radio.FrequencyHz = r.Uint()
		case "data_rate_index":
			radio.DataRate = jsonfield.Int(r.Uint())
		case "data_rate":
			readDataRate(r, radio)
		default:
			r.Skip()
		}
	}
}

func readDataRate(r *jsonfield.Reader, radio *ingest.Radio) {
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
			case "spreading_factor":
				radio.SpreadingFactor = jsonfield.Int(r.Uint())
			default:
				r.Skip()
			}
		}
	}
}

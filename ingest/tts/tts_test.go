package tts

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/ingest"
)

// The two TTS samples are checked field by field in ingest/envelope's TestSamples. Here:
// other message types, bad input, and variants of older and newer TTS versions.

func TestNotUplink(t *testing.T) {
	ids := `"end_device_ids":{"device_id":"d","dev_eui":"A1B2C3D4E5F6070A"}`
	tests := []struct {
		name string
		body string
	}{
		{"join_accept", `{` + ids + `,"join_accept":{"session_key_id":"AY4="}}`},
		{"downlink_ack", `{` + ids + `,"downlink_ack":{"f_port":1,"f_cnt":2}}`},
		{"downlink_queued", `{` + ids + `,"downlink_queued":{"f_port":1}}`},
		{"location_solved", `{` + ids + `,"location_solved":{"location":{}}}`},
		{"service_data", `{` + ids + `,"service_data":{"data":{}}}`},
		{"uplink_normalized", `{` + ids + `,"uplink_normalized":{"f_port":1,"f_cnt":3}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUplink([]byte(tc.body))
			assertSentinel(t, err, ingest.ErrNotUplink)
		})
	}
}

func TestBadInput(t *testing.T) {
	ids := `"end_device_ids":{"device_id":"d","dev_eui":"A1B2C3D4E5F6070A"}`
	tests := []struct {
		name string
		body string
		want error
	}{
		{"not JSON", `<xml/>`, ingest.ErrMalformed},
		{"no TTS keys", `{"devEUI":"a1b2c3d4e5f60708"}`, ingest.ErrMalformed},
		{"uplink_message not an object", `{` + ids + `,"uplink_message":"x"}`,
			ingest.ErrMalformed},
		{"f_port out of range", `{` + ids + `,"uplink_message":{"f_port":256}}`,
			ingest.ErrMalformed},
		{"no end_device_ids", `{"uplink_message":{"f_port":1}}`, ingest.ErrNoDevEUI},
		{"ABP device without dev_eui", `{"end_device_ids":{"device_id":"d"},
			"uplink_message":{"f_port":1,"frm_payload":"AQ=="}}`, ingest.ErrNoDevEUI},
		{"dev_eui too short", `{"end_device_ids":{"dev_eui":"A1B2"},"uplink_message":{}}`,
			ingest.ErrNoDevEUI},
		{"broken base64", `{` + ids + `,"uplink_message":{"frm_payload":"A==B"}}`,
			ingest.ErrBadPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUplink([]byte(tc.body))
			assertSentinel(t, err, tc.want)
		})
	}
}

// TestVariants: older TTS put coding_rate directly under settings and sent data_rate_index;
// frequency may be a number; rssi may be missing (channel_rssi then) or fractional; a
// gateway without EUI keeps its ID; no uplink received_at falls back to the top one;
// end-device attributes (3.34.0) become Tags; f_port and f_cnt 0 are omitted.
func TestVariants(t *testing.T) {
	body := `{"end_device_ids":{"device_id":"d1","dev_eui":"a1-b2-c3-d4-e5-f6-07-0a"},
		"received_at":"2024-03-14T10:00:00.5+01:00",
		"uplink_message":{"frm_payload":"AQI=","decoded_payload":[1,2],
		"attributes":{"room":"101"},
		"rx_metadata":[{"gateway_ids":{"gateway_id":"packetbroker"},"channel_rssi":-101.6,
		"snr":-2},{"gateway_ids":{"gateway_id":"gw2","eui":"00800000A0001234"},"rssi":-90.4}],
		"settings":{"data_rate":{"lora":{"bandwidth":250000,"spreading_factor":7}},
		"coding_rate":"4/5","data_rate_index":6,"frequency":868300000}}}`
	got, err := ParseUplink([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.Uplink{
		DevEUI: "a1b2c3d4e5f6070a", DeviceName: "d1", Payload: []byte{1, 2},
		ReceivedAt: time.Date(2024, 3, 14, 9, 0, 0, 5e8, time.UTC),
		Gateways: []ingest.Gateway{
			{ID: "packetbroker", RSSI: -102, SNR: -2},
			{ID: "00800000a0001234", RSSI: -90},
		},
		Radio: ingest.Radio{FrequencyHz: 868300000, SpreadingFactor: 7, BandwidthHz: 250000,
			DataRate: 6},
		Tags: map[string]string{"room": "101"},
	}
	if !got.ReceivedAt.Equal(want.ReceivedAt) || got.ReceivedAt.Location() != time.UTC {
		t.Errorf("ReceivedAt = %v, want %v", got.ReceivedAt, want.ReceivedAt)
	}
	got.ReceivedAt = want.ReceivedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

var sentinels = []error{ingest.ErrMalformed, ingest.ErrNoDevEUI, ingest.ErrOversized,
	ingest.ErrNotUplink, ingest.ErrBadPayload}

// assertSentinel checks that err wraps want and no other sentinel.
func assertSentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Errorf("error %v wraps %v as well as %v", err, s, want)
		}
	}
}

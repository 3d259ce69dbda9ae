package chirpstack

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/brocaar/chirpstack-api/go/v3/as/integration"
	"github.com/brocaar/chirpstack-api/go/v3/common"
	"github.com/brocaar/chirpstack-api/go/v3/gw"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/vindel-hub/vindel/ingest"
)

var update = flag.Bool("update", false, "rewrite testdata/v3-protobuf-up.bin")

const protoGolden = "testdata/v3-protobuf-up.bin"

// sampleEvent is the uplink of ../../testdata/chirpstack-samples/v3-json-up.json built with
// the generated chirpstack-api v3.12.5 types.
func sampleEvent() *integration.UplinkEvent {
	rxTime := time.Date(2024, 3, 14, 8, 15, 2, 123456000, time.UTC)
	return &integration.UplinkEvent{
		ApplicationId:   12,
		ApplicationName: "city-air-quality",
		DeviceName:      "school-room-101",
		DevEui:          []byte{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x08},
		RxInfo: []*gw.UplinkRXInfo{{
			GatewayId: []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
			Time:      timestamppb.New(rxTime),
			Rssi:      -97,
			LoraSnr:   7.5,
			Channel:   1,
			RfChain:   1,
			Location:  &common.Location{Latitude: 63.8258, Longitude: 20.2630, Altitude: 12},
			Context:   []byte{0x9e, 0x3a, 0x11, 0x07},
			CrcStatus: gw.CRCStatus_CRC_OK,
		}},
		TxInfo: &gw.UplinkTXInfo{
			Frequency:  868300000,
			Modulation: common.Modulation_LORA,
			ModulationInfo: &gw.UplinkTXInfo_LoraModulationInfo{
				LoraModulationInfo: &gw.LoRaModulationInfo{
					Bandwidth: 125, SpreadingFactor: 7, CodeRate: "4/5",
				},
			},
		},
		Adr:   true,
		Dr:    5,
		FCnt:  4711,
		FPort: 1,
		Data:  []byte{0x01, 0x00, 0xe2, 0x02, 0x29, 0x04, 0x00, 0x27, 0x05, 0x06, 0x06, 0x03, 0x08},
		ObjectJson: `{"co2":776,"humidity":41,"light":39,"motion":6,` +
			`"temperature":22.6}`,
		Tags:              map[string]string{"district": "centrum", "site": "school-17"},
		DevAddr:           []byte{0x26, 0x01, 0x1b, 0xda},
		PublishedAt:       &timestamppb.Timestamp{Seconds: rxTime.Unix(), Nanos: 201934000},
		DeviceProfileId:   "9b2f7a3e-4c1d-4e8a-b0f5-6d2c1a7e9f30",
		DeviceProfileName: "elsys-ers-co2-eu868",
	}
}

func marshal(t testing.TB, ev *integration.UplinkEvent) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoadapt.MessageV2Of(ev))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProtobufMatchesJSON marshals the sample with the real generated types and checks that
// ParseV3Protobuf gives what the json and json_v3 parsers give for the same uplink.
func TestProtobufMatchesJSON(t *testing.T) {
	body := marshal(t, sampleEvent())
	checkGolden(t, body)

	got, err := ParseV3Protobuf(body)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseV3JSON(readFile(t, samples+"v3-json-up.json"))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, got, fromJSON)

	// json_v3 has no modulation info; everything else must agree.
	fromJSONv3, err := ParseV3JSONv3(readFile(t, samples+"v3-json_v3-up.json"))
	if err != nil {
		t.Fatal(err)
	}
	got.Radio.SpreadingFactor, got.Radio.BandwidthHz = 0, 0
	assertSame(t, got, fromJSONv3)
}

// checkGolden keeps testdata/v3-protobuf-up.bin, which ingest/envelope seeds its fuzz and
// benchmarks with, equal to what the real types marshal.
func checkGolden(t *testing.T, body []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(protoGolden, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if golden := readFile(t, protoGolden); !bytes.Equal(golden, body) {
		t.Errorf("%s is stale: run go test -run TestProtobufMatchesJSON -update", protoGolden)
	}
}

// TestProtobufFields covers what the sample does not: several gateways, no rx time (then
// published_at), negative SNR, no location, an empty payload.
func TestProtobufFields(t *testing.T) {
	ev := sampleEvent()
	ev.RxInfo[0].Time = nil
	ev.RxInfo = append(ev.RxInfo, &gw.UplinkRXInfo{
		GatewayId: []byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01},
		Rssi:      -120, LoraSnr: -12.25,
	})
	ev.Data = nil
	ev.ObjectJson = ""
	ev.Tags = nil

	got, err := ParseV3Protobuf(marshal(t, ev))
	if err != nil {
		t.Fatal(err)
	}
	want := []ingest.Gateway{
		{ID: "0011223344556677", RSSI: -97, SNR: 7.5,
			Location: &ingest.Point{Latitude: 63.8258, Longitude: 20.2630, Altitude: 12}},
		{ID: "aabbccddeeff0001", RSSI: -120, SNR: -12.25},
	}
	if !reflect.DeepEqual(got.Gateways, want) {
		t.Errorf("Gateways = %+v, want %+v", got.Gateways, want)
	}
	published := time.Date(2024, 3, 14, 8, 15, 2, 201934000, time.UTC)
	if !got.ReceivedAt.Equal(published) {
		t.Errorf("ReceivedAt = %v, want published_at %v", got.ReceivedAt, published)
	}
	if got.Payload != nil || got.Decoded != nil || got.Tags != nil {
		t.Errorf("Payload %x, Decoded %v, Tags %v: want all nil", got.Payload, got.Decoded,
			got.Tags)
	}
}

// TestProtobufPayloadNotAliased checks that the Uplink does not keep the body's memory.
func TestProtobufPayloadNotAliased(t *testing.T) {
	body := marshal(t, sampleEvent())
	got, err := ParseV3Protobuf(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 0
	}
	if got.Payload[0] != 0x01 || got.Payload[2] != 0xe2 {
		t.Errorf("Payload changed with the body: %x", got.Payload)
	}
}

// Package ingest turns what network servers and devices send into Uplinks: one shape for every
// source, whatever envelope carried it. Sub-packages hold the envelope dialects and transports.
package ingest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Dialect names an envelope format.
type Dialect string

// The envelope dialects Vindel reads (ingest/formats.md §1.3 tells them apart).
const (
	DialectUnknown       Dialect = ""
	DialectChirpStackV3  Dialect = "chirpstack-v3-json_v3"
	DialectChirpStackV3J Dialect = "chirpstack-v3-json"
	DialectChirpStackV3P Dialect = "chirpstack-v3-protobuf"
	DialectChirpStackV4  Dialect = "chirpstack-v4-json"
	DialectTTS           Dialect = "tts-v3-json"
	DialectSenML         Dialect = "senml-json"
)

// EnvelopeDialects are the dialects a source may be fixed to.
var EnvelopeDialects = []Dialect{DialectChirpStackV3, DialectChirpStackV3J, DialectChirpStackV3P,
	DialectChirpStackV4, DialectTTS}

// CheckDialect returns an error naming the choices unless d is empty (detect per message)
// or one of EnvelopeDialects.
func CheckDialect(d Dialect) error {
	if d == DialectUnknown || slices.Contains(EnvelopeDialects, d) {
		return nil
	}
	names := make([]string, len(EnvelopeDialects))
	for i, e := range EnvelopeDialects {
		names[i] = string(e)
	}
	return fmt.Errorf("dialect %q: not one of %s (or empty: detected per message)",
		d, strings.Join(names, ", "))
}

// MaxPayload is the largest FRMPayload (or direct JSON payload) accepted. LoRaWAN frames are at
// most 242 bytes; the limit leaves room for SenML and other JSON sent straight over MQTT/HTTP.
const MaxPayload = 64 << 10

// Uplink is one message from one device, as every source hands it to the pipeline.
type Uplink struct {
	Source     string    // configured source name, e.g. "chirpstack" or "webhook-tts"
	Dialect    Dialect   // envelope format it arrived in
	DevEUI     string    // lower-case hex, 16 digits
	DeviceName string    // the network server's name for the device, if any
	FPort      uint8     // LoRaWAN FPort; 0 when the transport has none
	FCnt       uint32    // LoRaWAN uplink frame counter
	Payload    []byte    // decrypted FRMPayload, or the JSON body for direct sources
	ReceivedAt time.Time // when the network server received it (UTC)
	Gateways   []Gateway // one per receiving gateway, best first when known
	Radio      Radio
	Tags       map[string]string
	// Decoded is the object the network server's own codec produced, kept for comparison and as
	// a fallback when Vindel has no profile for the device.
	Decoded map[string]any
	// Profile is what the source says about the device model (TTS version_ids), if anything.
	Profile ProfileHint
	// DedupKey identifies the uplink itself, the same whichever gateway, source or redelivery
	// brought it. Set by Key when empty.
	DedupKey string
}

// Gateway is the reception metadata of one gateway.
type Gateway struct {
	ID       string  `json:"id"`
	RSSI     int     `json:"rssi"`
	SNR      float64 `json:"snr"`
	Location *Point  `json:"location,omitempty"`
}

// Point is a WGS 84 position.
type Point struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Altitude  float64 `json:"altitude,omitempty"`
}

// Radio is the transmission metadata of an uplink.
type Radio struct {
	FrequencyHz     uint64 `json:"frequencyHz,omitempty"`
	SpreadingFactor int    `json:"spreadingFactor,omitempty"`
	BandwidthHz     int    `json:"bandwidthHz,omitempty"`
	DataRate        int    `json:"dataRate,omitempty"`
}

// ProfileHint is what a source knows of the device model (TTS version_ids).
type ProfileHint struct {
	Vendor   string `json:"vendor,omitempty"`
	Model    string `json:"model,omitempty"`
	Firmware string `json:"firmware,omitempty"`
}

// Errors that classify bad input. Callers branch on them to count the outcome.
var (
	ErrMalformed  = errors.New("malformed envelope")
	ErrNoDevEUI   = errors.New("no DevEUI")
	ErrOversized  = errors.New("payload too large")
	ErrNotUplink  = errors.New("not an uplink event")
	ErrBadPayload = errors.New("bad payload encoding")
)

// euiSeparators are the characters tools print between the bytes of an EUI.
var euiSeparators = strings.NewReplacer("-", "", ":", "", " ", "")

// NormalizeDevEUI returns s as 16 lower-case hex digits, accepting upper case and the
// separators some tools print ("A1-B2-..", "a1:b2:..").
func NormalizeDevEUI(s string) (string, error) {
	s = euiSeparators.Replace(s)
	if len(s) != 16 {
		return "", fmt.Errorf("%w: %q is not 16 hex digits", ErrNoDevEUI, s)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not 16 hex digits (0-9, a-f)", ErrNoDevEUI, s)
	}
	return hex.EncodeToString(b), nil
}

// Key returns the de-duplication key of u: DevEUI, FCnt and a hash of the payload. Gateways,
// sources and redeliveries of one uplink share it; a device whose FCnt was reset sends a new
// payload soon enough, and the pipeline only remembers keys for a bounded window.
func (u *Uplink) Key() string {
	if u.DedupKey != "" {
		return u.DedupKey
	}
	var stack [256]byte
	in := append(stack[:0], u.DevEUI...)
	in = binary.BigEndian.AppendUint32(in, u.FCnt)
	in = append(in, u.FPort)
	in = append(in, u.Payload...)
	sum := sha256.Sum256(in)

	var hexSum [24]byte
	hex.Encode(hexSum[:], sum[:12])
	var b strings.Builder // one allocation, which String does not copy
	b.Grow(len(u.DevEUI) + 1 + len(hexSum))
	b.WriteString(u.DevEUI)
	b.WriteByte(':')
	b.Write(hexSum[:])
	u.DedupKey = b.String()
	return u.DedupKey
}

// Package replay publishes recorded uplinks to an MQTT broker, standing in for a LoRaWAN
// network server in demos, tests and benchmarks.
//
// # Recording format
//
// A recording is a JSON Lines file: one JSON object per line, blank lines ignored, in the
// order to publish. Each line names the topic and carries the envelope exactly as the network
// server published it, either as JSON or, for binary marshalers, as standard base64:
//
//	{"topic": "application/12/device/a1b2c3d4e5f60708/event/up", "payload": {"fCnt": 4711, ...}}
//	{"topic": "application/12/device/a1b2c3d4e5f60708/event/up", "payloadBase64": "CAwSEG..."}
//
// "payload" must be a JSON object and is published byte for byte as it stands in the file;
// "payloadBase64" is decoded and published as is. Other keys (a note, say) are ignored.
//
// # Rewriting
//
// With Options.Shift, every timestamp of the envelope is moved by the same amount so that the
// newest becomes the moment of publishing: ChirpStack v3 rxInfo[].time and publishedAt; v4
// time and rxInfo[].nsTime/gwTime; TTS received_at, uplink_message.received_at,
// rx_metadata[].time/received_at and settings.time. The gaps between them stay as recorded.
//
// With Options.Loop, the recording is published again and again. The hub de-duplicates
// uplinks by DevEUI, FCnt and payload, so a second round would be dropped as redeliveries of
// the first: in round r (counting from 0) the frame counter (fCnt, TTS f_cnt, protobuf
// f_cnt) of every record is raised by r times the span of counters on its topic (largest minus
// smallest plus one), so that each round continues where the last ended. The counter wraps
// at 2^32, as LoRaWAN's does.
//
// A rewritten JSON envelope is re-encoded: the same keys and values (numbers exactly as
// written), in sorted key order. A ChirpStack v3 protobuf UplinkEvent is rewritten on the wire,
// leaving every other field's bytes alone; other binary payloads are sent unchanged.
package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/time/rate"
)

// inFlight bounds the publishes awaiting the broker's acknowledgement.
const inFlight = 64

// Options configures a replay.
type Options struct {
	// Broker is the broker URL, tcp://host:port (ssl:// and ws:// as paho accepts).
	Broker string
	// Rate is the number of messages per second; 0 or less sends as fast as the broker takes.
	Rate float64
	// Loop publishes the recording again and again until ctx is done.
	Loop bool
	// Shift moves each envelope's timestamps to the moment it is published.
	Shift bool
	// QoS is the publish QoS: 0, 1 or 2.
	QoS byte
	// ClientID identifies the publisher; empty means "vindel-replay-<pid>".
	ClientID string
	// FirstRound is the round the frame counters start from (see Loop), so that a replay
	// started again later does not repeat the counters of the last one.
	FirstRound int
}

// Run publishes recs to the broker in order, at opt.Rate, and returns how many the broker
// took (acknowledged at QoS 1 and 2, written at QoS 0). Without Loop it returns when all
// are sent, or with ctx's error when ctx ends first; with Loop it runs until ctx is done and
// then returns a nil error.
func Run(ctx context.Context, recs []Record, opt Options, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(recs) == 0 {
		return 0, errors.New("replay: no records")
	}
	if opt.QoS > 2 {
		return 0, fmt.Errorf("replay: QoS %d is not 0, 1 or 2", opt.QoS)
	}
	client, err := connect(ctx, opt)
	if err != nil {
		return 0, err
	}
	defer client.Disconnect(250)

	p := &publisher{client: client, qos: opt.QoS, log: log}
	limit := rate.Inf
	if opt.Rate > 0 {
		limit = rate.Limit(opt.Rate)
	}
	lim := rate.NewLimiter(limit, 1)
	spans := fcntSpans(recs)
	log.Info("replay starting", "broker", opt.Broker, "records", len(recs), "rate", opt.Rate,
		"loop", opt.Loop, "shift", opt.Shift)

	for round := opt.FirstRound; ; round++ {
		err := p.round(ctx, lim, recs, spans, round, opt.Shift)
		sent, drainErr := p.drain()
		switch {
		case err != nil && ctx.Err() != nil && opt.Loop:
			return sent, nil
		case err != nil:
			return sent, err
		case drainErr != nil:
			return sent, drainErr
		}
		log.Info("replay round published", "round", round, "sent", sent)
		if !opt.Loop {
			return sent, nil
		}
	}
}

func connect(ctx context.Context, opt Options) (mqtt.Client, error) {
	id := opt.ClientID
	if id == "" {
		id = "vindel-replay-" + strconv.Itoa(os.Getpid())
	}
	o := mqtt.NewClientOptions().AddBroker(opt.Broker).SetClientID(id).
		SetCleanSession(true).SetProtocolVersion(4).
		SetAutoReconnect(true).SetConnectTimeout(10 * time.Second)
	client := mqtt.NewClient(o)
	tok := client.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return nil, fmt.Errorf("replay: connect to %s: %w", opt.Broker, err)
		}
		return client, nil
	case <-ctx.Done():
		client.Disconnect(0)
		return nil, fmt.Errorf("replay: connect to %s: %w", opt.Broker, ctx.Err())
	}
}

// fcntSpans returns, per topic, the span of the records' frame counters.
func fcntSpans(recs []Record) map[string]uint32 {
	lo, hi := map[string]uint32{}, map[string]uint32{}
	for _, r := range recs {
		n, ok := fcntOf(r.Body)
		if !ok {
			continue
		}
		if l, seen := lo[r.Topic]; !seen || n < l {
			lo[r.Topic] = n
		}
		hi[r.Topic] = max(hi[r.Topic], n)
	}
	spans := make(map[string]uint32, len(lo))
	for t, l := range lo {
		spans[t] = hi[t] - l + 1
	}
	return spans
}

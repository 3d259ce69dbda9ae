package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/vindel-hub/vindel/internal/replay"
)

// replayCmd publishes recorded uplinks (JSON Lines of {"topic", "payload"}) to a broker.
func replayCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("replay", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: vindel replay [flags] FILE...\n\n"+
			"Publishes recorded uplinks, JSON Lines of {\"topic\": ..., \"payload\": {...}},\n"+
			"as deploy/samples/uplinks.jsonl holds them.\n\nflags:")
		fl.PrintDefaults()
	}
	var opt replay.Options
	fl.StringVar(&opt.Broker, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL")
	fl.Float64Var(&opt.Rate, "rate", 1, "messages per second")
	fl.BoolVar(&opt.Loop, "loop", false, "start again at the end, until interrupted")
	fl.BoolVar(&opt.Shift, "shift", true, "rewrite timestamps to now (and advance FCnt per loop)")
	qos := fl.Int("qos", 1, "MQTT QoS")
	// A replay started again must not repeat the frame counters of the last one, or the hub
	// drops its uplinks as duplicates: start the rounds from the clock.
	fl.IntVar(&opt.FirstRound, "first-round", 0,
		"round the frame counters start from; 0: from the clock")
	fl.StringVar(&opt.ClientID, "client-id", "vindel-replay", "MQTT client id")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if opt.FirstRound == 0 {
		opt.FirstRound = int(time.Now().Unix() % (1 << 24))
	}
	if fl.NArg() == 0 {
		return fmt.Errorf("replay: name one or more recording files (JSON Lines)")
	}
	opt.QoS = byte(*qos)

	recs, err := replay.Load(fl.Args()...)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	for {
		sent, err := replay.Run(ctx, recs, opt, log)
		log.Info("replay finished", "sent", sent)
		switch {
		case errors.Is(err, context.Canceled) || ctx.Err() != nil:
			return nil
		case err == nil || !opt.Loop:
			return err
		}
		// Looping against a hub that restarts: wait for its broker to come back.
		log.Warn("replay interrupted; starting again", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
		opt.FirstRound = int(time.Now().Unix() % (1 << 24))
	}
}

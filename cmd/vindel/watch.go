package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// watchCmd prints the live stream of a hub, one Observation a line, and resumes from the last
// offset it saw when the connection drops: a small, complete client of the stream protocol.
func watchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("watch", flag.ContinueOnError)
	fl.SetOutput(stderr)
	hub := fl.String("hub", "ws://127.0.0.1:8080", "base URL of the hub (ws, wss, http or https)")
	devEUI := fl.String("deveui", "", "only this DevEUI (comma-separated for several)")
	property := fl.String("property", "", "only this observed property, e.g. air_temperature")
	from := fl.Int64("from", -1, "replay from after this offset (default: live only)")
	if err := fl.Parse(args); err != nil {
		return err
	}

	base, err := streamBase(*hub)
	if err != nil {
		return err
	}
	last := *from
	backoff := time.Second
	for ctx.Err() == nil {
		err := watchOnce(ctx, base, *devEUI, *property, &last, stdout)
		if ctx.Err() != nil {
			return nil
		}
		fmt.Fprintf(stderr, "watch: %v; reconnecting in %s from offset %d\n", err, backoff, last)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
	return nil
}

// streamBase turns the hub's URL into the stream's WebSocket base: http becomes ws and https
// wss, as the device command takes http URLs of the same hub.
func streamBase(hub string) (string, error) {
	u, err := url.Parse(hub)
	if err != nil {
		return "", fmt.Errorf("watch: -hub %q: %w", hub, err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("watch: -hub %q: want a ws, wss, http or https URL", hub)
	}
	return u.String(), nil
}

type streamFrame struct {
	Type           string          `json:"type"`
	Offset         int64           `json:"offset"`
	DevEUI         string          `json:"devEui"`
	Property       string          `json:"property"`
	Unit           string          `json:"unit"`
	PhenomenonTime string          `json:"phenomenonTime"`
	Result         json.RawMessage `json:"result"`
	Message        string          `json:"message"`
}

func watchOnce(ctx context.Context, hub, devEUI, property string, last *int64, w io.Writer) error {
	q := url.Values{}
	if devEUI != "" {
		q.Set("devEui", devEUI)
	}
	if property != "" {
		q.Set("property", property)
	}
	if *last >= 0 {
		q.Set("from", strconv.FormatInt(*last, 10))
	}
	u := hub + "/v1/stream"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() {
		<-ctx.Done()
		conn.Close()
	}()

	for {
		var f streamFrame
		if err := conn.ReadJSON(&f); err != nil {
			return err
		}
		switch f.Type {
		case "observation":
			*last = f.Offset
			fmt.Fprintf(w, "%8d  %s  %-20s %10s %-8s %s\n", f.Offset, f.DevEUI, f.Property,
				shortResult(f.Result), f.Unit, f.PhenomenonTime)
		case "error":
			fmt.Fprintf(w, "stream error: %s\n", f.Message)
		}
	}
}

// shortResult shows a numeric result to 6 significant digits, so columns stay aligned; the
// stream itself carries every digit. Anything else is shown as sent.
func shortResult(raw json.RawMessage) string {
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return string(raw)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

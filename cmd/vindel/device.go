package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vindel-hub/vindel/devices"
)

const deviceUsage = `usage: vindel device add|list|rm|redecode [flags]

  vindel device add -deveui a1b2c3d4e5f60708 -name "School 17, room 101" -profile elsys/ers-co2 \
      [-firmware 1.2] [-lat 63.8258 -lon 20.2630] [-public] [-licence CC-BY-4.0] [-owner "Umeå kommun"]
  vindel device list
  vindel device rm a1b2c3d4e5f60708
  vindel device redecode a1b2c3d4e5f60708   # decode again what it sent before it was
                                            # registered, or did not decode

Common flags: -hub URL (default http://127.0.0.1:8080), -key KEY (default $VINDEL_ADMIN_KEY).
`

// device manages devices through the REST API of a running hub, so changes take effect at
// once and work the same against a hub on another machine.
func device(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, deviceUsage)
		return fmt.Errorf("device: no subcommand")
	}
	sub := map[string]func(context.Context, *flag.FlagSet, *client, []string, io.Writer) error{
		"add": deviceAdd, "list": deviceList, "rm": deviceRm, "redecode": deviceRedecode,
	}[args[0]]
	switch {
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help":
		fmt.Fprint(stdout, deviceUsage)
		return nil
	case sub == nil:
		fmt.Fprint(stdout, deviceUsage)
		return fmt.Errorf("device: unknown subcommand %q", args[0])
	}
	fl := flag.NewFlagSet("device "+args[0], flag.ContinueOnError)
	c := &client{}
	fl.StringVar(&c.base, "hub", "http://127.0.0.1:8080", "URL of the running hub")
	fl.StringVar(&c.key, "key", os.Getenv("VINDEL_ADMIN_KEY"), "admin API key")
	return sub(ctx, fl, c, args[1:], stdout)
}

func deviceAdd(ctx context.Context, fl *flag.FlagSet, c *client, args []string, stdout io.Writer) error {
	var d devices.Device
	var lat, lon float64
	fl.StringVar(&d.DevEUI, "deveui", "", "DevEUI, 16 hex digits (required)")
	fl.StringVar(&d.Name, "name", "", "name shown in the outputs")
	fl.StringVar(&d.Description, "description", "", "description")
	fl.StringVar(&d.Profile, "profile", "", "firmware profile, vendor/model (vindel profiles)")
	fl.StringVar(&d.Firmware, "firmware", "", "firmware version")
	fl.Float64Var(&lat, "lat", 0, "latitude (WGS 84)")
	fl.Float64Var(&lon, "lon", 0, "longitude (WGS 84)")
	fl.BoolVar(&d.Public, "public", false, "publish the device's data openly")
	fl.StringVar(&d.Licence, "licence", "", "SPDX licence of the data (default CC0-1.0)")
	fl.StringVar(&d.Owner, "owner", "", "owner of the device")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if lat != 0 || lon != 0 {
		d.Location = &devices.Location{Latitude: lat, Longitude: lon}
	}

	var out devices.Device
	if err := c.do(ctx, http.MethodPost, "/api/v1/devices", d, &out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registered %s (Thing %d, profile %s)\n", out.DevEUI, out.ID, out.Profile)
	return nil
}

func deviceList(ctx context.Context, fl *flag.FlagSet, c *client, args []string, stdout io.Writer) error {
	if err := fl.Parse(args); err != nil {
		return err
	}
	var out struct{ Devices []devices.Device }
	if err := c.do(ctx, http.MethodGet, "/api/v1/devices", nil, &out); err != nil {
		return err
	}
	return printDevices(stdout, out.Devices)
}

func deviceRm(ctx context.Context, fl *flag.FlagSet, c *client, args []string, stdout io.Writer) error {
	pos, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("device rm: give one DevEUI")
	}
	if err := c.do(ctx, http.MethodDelete, "/api/v1/devices/"+pos[0], nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %s\n", pos[0])
	return nil
}

// deviceRedecode decodes a device's undecoded raw uplinks again and prints their outcomes.
func deviceRedecode(ctx context.Context, fl *flag.FlagSet, c *client, args []string,
	stdout io.Writer) error {
	pos, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("device redecode: give one DevEUI")
	}
	c.timeout = 10 * time.Minute // a device's whole archive may be read and decoded
	var rep devices.RedecodeReport
	path := "/api/v1/devices/" + pos[0] + "/redecode"
	if err := c.do(ctx, http.MethodPost, path, nil, &rep); err != nil {
		return err
	}
	noun := "raw uplinks"
	if rep.Uplinks == 1 {
		noun = "raw uplink"
	}
	fmt.Fprintf(stdout, "decoded %d %s of %s again", rep.Uplinks, noun, pos[0])
	outcomes := slices.Sorted(maps.Keys(rep.Outcomes))
	for i, o := range outcomes {
		sep := ": "
		if i > 0 {
			sep = ", "
		}
		fmt.Fprintf(stdout, "%s%d %s", sep, rep.Outcomes[o], o)
	}
	fmt.Fprintln(stdout)
	return nil
}

// parseInterspersed parses flags that may stand before or after the positional arguments,
// which it returns.
func parseInterspersed(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fl.Arg(0)), fl.Args()[1:]
	}
}

func printDevices(w io.Writer, devs []devices.Device) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVEUI\tTHING\tPROFILE\tPUBLIC\tLICENCE\tNAME")
	for _, d := range devs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%v\t%s\t%s\n", d.DevEUI, d.ID, d.Profile, d.Public, d.Licence, d.Name)
	}
	return tw.Flush()
}

// client calls the hub's REST API.
type client struct {
	base, key string
	timeout   time.Duration // per request; 15 s when zero
}

func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	timeout := c.timeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.base, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("hub at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

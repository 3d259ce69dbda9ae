package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vindel-hub/vindel/internal/hub"
)

// profilesCmd lists the built-in firmware profiles, the names `vindel device add -profile`
// takes.
func profilesCmd(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("profiles takes no arguments")
	}
	set, err := hub.LoadProfiles("")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tFIRMWARE\tDECODER\tPROPERTIES")
	for _, p := range set.All() {
		var props []string // each once: a live and a logged field may feed one property
		for _, f := range p.Fields {
			if !slices.Contains(props, f.Property) {
				props = append(props, f.Property)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID(), strings.Join(p.Firmware, ","), p.DecoderName,
			strings.Join(props, ", "))
	}
	return tw.Flush()
}

package js

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vindel-hub/vindel/internal/codec"
)

// result is the object decodeUplink returns (ingest/formats.md §3.4).
type result struct {
	Data     json.RawMessage   `json:"data"`
	Warnings []json.RawMessage `json:"warnings"`
	Errors   []json.RawMessage `json:"errors"`
}

// parseResult reads the JSON text of decodeUplink's result. data comes out as encoding/json
// decodes it: float64, string, bool, nil, []any and map[string]any.
func parseResult(d *decoder, text string) (codec.Output, error) {
	if len(text) > d.opt.MaxOutput {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: result of %d bytes exceeds %d",
			d.name, ErrScript, len(text), d.opt.MaxOutput)
	}
	var res result
	if err := json.Unmarshal([]byte(text), &res); err != nil {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: result is not {data, warnings, "+
			"errors}: %w", d.name, ErrScript, err)
	}

	// §2.3: a non-empty errors array fails the decode, whatever data holds.
	if len(res.Errors) > 0 {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: decodeUplink returned errors: %s",
			d.name, codec.ErrInvalid, strings.Join(messages(res.Errors), "; "))
	}
	if len(res.Data) == 0 || bytes.Equal(res.Data, []byte("null")) {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: decodeUplink returned no data",
			d.name, ErrScript)
	}
	var out codec.Output
	if err := json.Unmarshal(res.Data, &out.Data); err != nil {
		return codec.Output{}, fmt.Errorf("js codec %s: %w: data is not an object: %w",
			d.name, ErrScript, err)
	}
	out.Warnings = messages(res.Warnings)
	return out, nil
}

// messages turns warnings or errors into strings: a JSON string as its text, anything else
// as its JSON.
func messages(raw []json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	out := make([]string, len(raw))
	for i, m := range raw {
		if err := json.Unmarshal(m, &out[i]); err != nil {
			out[i] = string(m)
		}
	}
	return out
}

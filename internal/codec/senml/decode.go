package senml

import (
	"encoding/base64"
	"time"

	"github.com/vindel-hub/vindel/internal/codec"
)

// Decoders returns the package's decoder by the name firmware profiles use: "senml".
func Decoders() map[string]codec.Decoder {
	return map[string]codec.Decoder{"senml": codec.DecoderFunc(decode)}
}

// decode resolves the pack in in.Bytes against in.ReceivedAt and returns a map from
// resolved name to {"value", "unit", "time", "sum"} ("unit" and "sum" only if the record
// has them, "value" unless it carries only a sum). Several records of one name, a time
// series, give a list of such objects in pack order.
func decode(in codec.Input) (codec.Output, error) {
	var out codec.Output
	now := in.ReceivedAt
	if now.IsZero() {
		now = time.Now()
		out.Warnings = append(out.Warnings, "no reception time; relative times taken from now")
	}
	recs, err := Resolve(in.Bytes, now)
	if err != nil {
		return codec.Output{}, err
	}
	if len(recs) == 0 {
		out.Warnings = append(out.Warnings, "pack has base fields only")
	}

	out.Data = make(map[string]any, len(recs))
	for i := range recs {
		e := entry(&recs[i])
		switch prev := out.Data[recs[i].Name].(type) {
		case nil:
			out.Data[recs[i].Name] = e
		case map[string]any:
			out.Data[recs[i].Name] = []any{prev, e}
		case []any:
			out.Data[recs[i].Name] = append(prev, e)
		}
	}
	return out, nil
}

// entry is a record's output object.
func entry(r *Record) map[string]any {
	e := make(map[string]any, 4)
	e["time"] = r.Time.Format(time.RFC3339Nano)
	switch v := r.Value.(type) {
	case nil:
	case []byte:
		e["value"] = base64.RawURLEncoding.EncodeToString(v)
	default:
		e["value"] = v
	}
	if r.Unit != "" {
		e["unit"] = r.Unit
	}
	if r.Sum != nil {
		e["sum"] = *r.Sum
	}
	return e
}

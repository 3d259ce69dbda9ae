// Package profile loads firmware profiles: for one device model and a range of its firmware
// versions, which decoder reads its payloads and what each decoded field observes, in which
// unit. The format is documented in firmware-profiles/README.md.
package profile

import (
	"fmt"
	"strings"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/model"
)

// Profile is one loaded firmware profile.
type Profile struct {
	Vendor      string   `yaml:"vendor"`
	Model       string   `yaml:"model"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Datasheet   string   `yaml:"datasheet"` // URL of the vendor's payload documentation
	Firmware    []string `yaml:"firmware"`  // versions it applies to: "1.2", "1.*" or "*"
	DecoderName string   `yaml:"decoder"`   // a built-in decoder name, or "javascript"
	Script      string   `yaml:"script"`    // with "javascript": the decodeUplink file
	Fields      []Field  `yaml:"fields"`
	// Variables are handed to the decoder with every payload (codec.Input.Variables). The
	// model is always among them, as "model": some vendors reuse a channel byte for different
	// values on different models.
	Variables map[string]string `yaml:"variables"`
	Source    string            `yaml:"-"` // the file it was read from

	decoder codec.Decoder
	sensor  model.Sensor // built once by validate: the pipeline asks for it per uplink
}

// Field maps one value of the decoded object to an ObservedProperty.
type Field struct {
	// Path is where the value sits in the decoded object, as dot-separated keys ("co2",
	// "air_temperature.value"). A key that meets a list applies the rest of the path to each
	// element, giving one Observation per element (SenML packs, history records).
	Path string `yaml:"path"`
	// Time, when set, is the path of the device's own timestamp for this value (RFC 3339 string
	// or Unix seconds), relative to the same list element as Path.
	Time string `yaml:"time"`
	// Property names an entry of the properties vocabulary.
	Property string `yaml:"property"`
	// Unit, when set, names a unit of the vocabulary that replaces the property's default.
	Unit string `yaml:"unit"`
	// Datatype is "number", "string" or "boolean"; it decides the observationType.
	Datatype string `yaml:"datatype"`

	resolved Resolved
	path     []string
	timePath []string
}

// Resolved is a Field joined with its vocabulary entries.
type Resolved struct {
	Property model.ObservedProperty
	Unit     model.Unit
	UNCEFACT string // the NGSI-LD unitCode
	Type     string // the O&M observationType
}

// Key is the profile's identity, used as the Sensor key: "vendor/model@firmware,...".
func (p *Profile) Key() string {
	return p.Vendor + "/" + p.Model + "@" + strings.Join(p.Firmware, ",")
}

// ID is the model's identity, as devices name their profile: "vendor/model".
func (p *Profile) ID() string { return p.Vendor + "/" + p.Model }

// Decoder returns the decoder the profile names.
func (p *Profile) Decoder() codec.Decoder { return p.decoder }

// Resolved returns the vocabulary entries of field i.
func (p *Profile) Resolved(i int) Resolved { return p.Fields[i].resolved }

// Sensor describes the profile as a SensorThings Sensor.
func (p *Profile) Sensor() model.Sensor {
	if p.sensor.Key != "" {
		return p.sensor
	}
	desc := p.Description
	if desc == "" {
		desc = p.Name
	}
	return model.Sensor{Key: p.Key(), Name: p.Name, Description: desc, Metadata: p.Datasheet}
}

// Matches reports whether the profile applies to a firmware version. An empty version matches
// only a profile for every version ("*").
func (p *Profile) Matches(version string) bool {
	for _, f := range p.Firmware {
		switch {
		case f == "*":
			return true
		case version == "":
		case f == version:
			return true
		case strings.HasSuffix(f, "*") && strings.HasPrefix(version, strings.TrimSuffix(f, "*")):
			return true
		}
	}
	return false
}

// specificity ranks how closely a firmware pattern names a version: exact beats prefix beats
// "*", so the most specific matching profile wins.
func (p *Profile) specificity(version string) int {
	best := -1
	for _, f := range p.Firmware {
		n := 0
		switch {
		case f == "*":
			n = 0
		case f == version:
			n = 1 << 20
		case strings.HasSuffix(f, "*") && strings.HasPrefix(version, strings.TrimSuffix(f, "*")):
			n = len(f)
		default:
			continue
		}
		best = max(best, n)
	}
	return best
}

func (p *Profile) validate(vocab *Vocabulary, decoders map[string]codec.Decoder) error {
	if p.Vendor == "" || p.Model == "" {
		return fmt.Errorf("vendor and model are required")
	}
	if len(p.Firmware) == 0 {
		return fmt.Errorf("firmware: list the versions it applies to, or \"*\"")
	}
	d, ok := decoders[p.DecoderName]
	if !ok {
		return fmt.Errorf("decoder %q is not a built-in decoder nor %q", p.DecoderName, Javascript)
	}
	p.decoder = d
	p.sensor = p.Sensor()
	if p.Variables == nil {
		p.Variables = map[string]string{}
	}
	if _, ok := p.Variables["model"]; !ok {
		p.Variables["model"] = p.Model
	}
	if len(p.Fields) == 0 {
		return fmt.Errorf("no fields")
	}

	live := map[string]bool{} // properties mapped from a field without its own time
	for i := range p.Fields {
		f := &p.Fields[i]
		if f.Path == "" {
			return fmt.Errorf("field %d: path is required", i)
		}
		// A property may come from a live value and from history records with their own
		// times (both feed its one Datastream), but from two live values it is a mistake.
		if f.Time == "" && live[f.Property] {
			return fmt.Errorf("field %q: property %q is mapped twice", f.Path, f.Property)
		}
		live[f.Property] = live[f.Property] || f.Time == ""
		r, err := vocab.resolve(f)
		if err != nil {
			return fmt.Errorf("field %q: %w", f.Path, err)
		}
		f.resolved = r
		f.path, f.timePath = splitPath(f.Path), splitPath(f.Time)
	}
	return nil
}

func observationType(datatype string) (string, error) {
	switch datatype {
	case "", "number":
		return model.OMMeasurement, nil
	case "count":
		return model.OMCountObs, nil
	case "boolean":
		return model.OMTruthObs, nil
	case "string":
		return model.OMCategoryObs, nil
	}
	return "", fmt.Errorf("datatype %q is not number, count, boolean or string", datatype)
}

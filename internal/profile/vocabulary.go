package profile

import (
	"fmt"

	"github.com/vindel-hub/vindel/internal/model"
)

// Vocabulary is the shared list of observed properties and units that profiles refer to by
// name, so one phenomenon has one definition however many device models measure it.
type Vocabulary struct {
	Properties map[string]PropertyDef `yaml:"properties"`
	Units      map[string]UnitDef     `yaml:"units"`
}

// PropertyDef is a vocabulary entry for an observed property.
type PropertyDef struct {
	Definition  string `yaml:"definition"` // URI, e.g. a CF standard name
	Description string `yaml:"description"`
	NGSI        string `yaml:"ngsi"`     // NGSI-LD attribute name (Smart Data Models)
	Unit        string `yaml:"unit"`     // default unit, a key of Units
	Datatype    string `yaml:"datatype"` // default datatype
}

// UnitDef is a vocabulary entry for a unit, keyed by its UCUM code.
type UnitDef struct {
	Name       string `yaml:"name"`
	Symbol     string `yaml:"symbol"`
	Definition string `yaml:"definition"` // URI of the unit (QUDT)
	UNCEFACT   string `yaml:"uncefact"`   // UN/CEFACT Rec. 20 code, NGSI-LD unitCode
}

func (v *Vocabulary) check() error {
	for name, p := range v.Properties {
		if p.Definition == "" {
			return fmt.Errorf("property %q: definition is required", name)
		}
		if _, ok := v.Units[p.Unit]; p.Unit != "" && !ok {
			return fmt.Errorf("property %q: unit %q is not in units", name, p.Unit)
		}
	}
	return nil
}

func (v *Vocabulary) resolve(f *Field) (Resolved, error) {
	def, ok := v.Properties[f.Property]
	if !ok {
		return Resolved{}, fmt.Errorf("property %q is not in the vocabulary", f.Property)
	}
	unitCode := def.Unit
	if f.Unit != "" {
		unitCode = f.Unit
	}
	datatype := def.Datatype
	if f.Datatype != "" {
		datatype = f.Datatype
	}
	typ, err := observationType(datatype)
	if err != nil {
		return Resolved{}, err
	}

	r := Resolved{
		Property: model.ObservedProperty{
			Name: f.Property, Definition: def.Definition, Description: def.Description,
			NGSI: def.NGSI,
		},
		Type: typ,
	}
	if unitCode == "" {
		return r, nil
	}
	u, ok := v.Units[unitCode]
	if !ok {
		return Resolved{}, fmt.Errorf("unit %q is not in the vocabulary", unitCode)
	}
	r.Unit = model.Unit{Name: u.Name, Symbol: u.Symbol, Definition: u.Definition, UCUM: unitCode}
	r.UNCEFACT = u.UNCEFACT
	return r, nil
}

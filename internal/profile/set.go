package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/js"
)

// VocabularyFile is the name of the vocabulary file at the root of a profile tree.
const VocabularyFile = "vocabulary.yaml"

// Set is every loaded profile, indexed by "vendor/model".
type Set struct {
	Vocabulary Vocabulary
	byModel    map[string][]*Profile
}

// Load reads the vocabulary and every <vendor>/<model>.yaml profile of fsys. Any broken file
// fails the whole load, naming the file, so a bad profile is caught at start-up rather than
// silently skipped.
func Load(fsys fs.FS, decoders map[string]codec.Decoder) (*Set, error) {
	s := &Set{byModel: map[string][]*Profile{}}
	if err := readYAML(fsys, VocabularyFile, &s.Vocabulary); err != nil {
		return nil, err
	}
	if err := s.Vocabulary.check(); err != nil {
		return nil, fmt.Errorf("profile: %s: %w", VocabularyFile, err)
	}

	files, err := fs.Glob(fsys, "*/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("profile: list profiles: %w", err)
	}
	var errs []error
	for _, name := range files {
		p := &Profile{Source: name}
		if err := readYAML(fsys, name, p); err != nil {
			errs = append(errs, err)
			continue
		}
		all, err := withScript(fsys, name, p, decoders)
		if err != nil {
			errs = append(errs, fmt.Errorf("profile: %s: %w", name, err))
			continue
		}
		if err := p.validate(&s.Vocabulary, all); err != nil {
			errs = append(errs, fmt.Errorf("profile: %s: %w", name, err))
			continue
		}
		if want := path.Dir(name); p.Vendor != want {
			errs = append(errs, fmt.Errorf("profile: %s: vendor %q must match its folder %q",
				name, p.Vendor, want))
			continue
		}
		s.byModel[p.ID()] = append(s.byModel[p.ID()], p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Javascript is the decoder name of a profile whose decoder is a script in its folder, run in
// the sandbox of internal/codec/js with the decodeUplink contract.
const Javascript = "javascript"

// withScript returns the decoders a profile may name: the built-in ones and, for a profile
// with decoder "javascript", its compiled script.
func withScript(fsys fs.FS, name string, p *Profile, builtin map[string]codec.Decoder) (
	map[string]codec.Decoder, error) {
	if p.DecoderName != Javascript {
		if p.Script != "" {
			return nil, fmt.Errorf("script is only for decoder %q", Javascript)
		}
		return builtin, nil
	}
	if p.Script == "" || strings.Contains(p.Script, "/") {
		return nil, fmt.Errorf("decoder %q needs script: a .js file in the same folder", Javascript)
	}
	src, err := fs.ReadFile(fsys, path.Join(path.Dir(name), p.Script))
	if err != nil {
		return nil, err
	}
	d, err := js.New(path.Join(path.Dir(name), p.Script), src, js.Options{})
	if err != nil {
		return nil, err
	}
	return map[string]codec.Decoder{Javascript: d}, nil
}

func readYAML(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("profile: %s: %w", name, err)
	}
	return nil
}

// Select returns the profile of a model ("vendor/model") for a firmware version: the most
// specific match, or false when none applies.
func (s *Set) Select(id, firmware string) (*Profile, bool) {
	var best *Profile
	bestRank := -1
	for _, p := range s.byModel[id] {
		if r := p.specificity(firmware); r > bestRank {
			best, bestRank = p, r
		}
	}
	return best, best != nil
}

// Models lists the "vendor/model" ids that have a profile, sorted.
func (s *Set) Models() []string {
	ids := make([]string, 0, len(s.byModel))
	for id := range s.byModel {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// All returns every profile, sorted by key.
func (s *Set) All() []*Profile {
	var all []*Profile
	for _, ps := range s.byModel {
		all = append(all, ps...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key() < all[j].Key() })
	return all
}

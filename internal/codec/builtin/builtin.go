// Package builtin gathers the decoders compiled into Vindel, by the names firmware profiles
// use in their `decoder` key.
package builtin

import (
	"fmt"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/cayennelpp"
	"github.com/vindel-hub/vindel/internal/codec/decentlab"
	"github.com/vindel-hub/vindel/internal/codec/dragino"
	"github.com/vindel-hub/vindel/internal/codec/elsys"
	"github.com/vindel-hub/vindel/internal/codec/milesight"
	"github.com/vindel-hub/vindel/internal/codec/senml"
)

// Decoders returns every built-in decoder by name. It panics if two families claim one name,
// which is a programming error caught by the package's test.
func Decoders() map[string]codec.Decoder {
	all := map[string]codec.Decoder{}
	for _, family := range []map[string]codec.Decoder{
		cayennelpp.Decoders(), decentlab.Decoders(), dragino.Decoders(),
		elsys.Decoders(), milesight.Decoders(), senml.Decoders(),
	} {
		for name, d := range family {
			if _, dup := all[name]; dup {
				panic(fmt.Sprintf("builtin: decoder %q defined twice", name))
			}
			all[name] = d
		}
	}
	return all
}

package milesight

import (
	"maps"
	"slices"
)

// table maps a channel key (ID << 8 | type) to its channel.
type table map[uint16]*channel

// index is a table frozen for lookups: keys sorted, channels in the same order. A binary
// search over a model's few dozen keys is faster than a map with uint16 keys.
type index struct {
	keys  []uint16
	chans []*channel
}

func newIndex(t table) index {
	keys := slices.Sorted(maps.Keys(t))
	chans := make([]*channel, len(keys))
	for i, k := range keys {
		chans[i] = t[k]
	}
	return index{keys: keys, chans: chans}
}

// get returns the channel of key k, or nil.
func (x index) get(k uint16) *channel {
	lo, hi := 0, len(x.keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if x.keys[m] < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(x.keys) && x.keys[lo] == k {
		return x.chans[lo]
	}
	return nil
}

// The tables, built once at start-up and only read afterwards.
var (
	modelTables  = buildModelTables()
	genericTable = buildGeneric(modelTables)
	modelNames   = slices.Sorted(maps.Keys(modelTables))

	modelIndexes = indexAll(modelTables)
	genericIndex = newIndex(genericTable)
)

func indexAll(tables map[string]table) map[string]index {
	out := make(map[string]index, len(tables))
	for name, t := range tables {
		out[name] = newIndex(t)
	}
	return out
}

// buildModelTables gives every model the device information channels, then its own channels,
// which replace a device information channel of the same key (the VS121 and WS302 ones).
func buildModelTables() map[string]table {
	tables := map[string]table{}
	for _, family := range []map[string][]*channel{amModels(), emModels(), wsModels()} {
		for name, chans := range family {
			t := table{}
			for _, c := range attributes {
				t[c.key()] = c
			}
			for _, c := range chans {
				t[c.key()] = c
			}
			tables[name] = t
		}
	}
	return tables
}

// buildGeneric merges the model tables. Where models give one key different meanings, the
// preferred meaning wins if exactly one is preferred; otherwise the key gets a conflict entry
// without a decoder, whose size is the models' common size or -1 if they differ too.
func buildGeneric(models map[string]table) table {
	byKey := map[uint16]map[string]*channel{}
	for _, t := range models {
		for k, c := range t {
			if byKey[k] == nil {
				byKey[k] = map[string]*channel{}
			}
			byKey[k][c.name] = c
		}
	}

	g := table{}
	for k, named := range byKey {
		g[k] = merge(k, named)
	}
	return g
}

// merge picks the generic entry for one key from the distinct channels models give it.
func merge(k uint16, named map[string]*channel) *channel {
	var only, pref *channel
	prefs, size := 0, -2
	for _, c := range named {
		only = c
		if c.preferred {
			pref = c
			prefs++
		}
		switch size {
		case -2:
			size = c.size
		case c.size:
		default:
			size = -1
		}
	}
	switch {
	case len(named) == 1:
		return only
	case prefs == 1:
		return pref
	}
	return &channel{id: byte(k >> 8), typ: byte(k), name: "conflict", size: size}
}

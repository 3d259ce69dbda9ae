package sensorthings

import (
	"strconv"
	"strings"
)

// target is what a resource path addresses (18-088 §9.2): a collection, an entity, a
// property of an entity, or its raw $value; any of the first two may be asked for as $ref.
type target struct {
	many  *set
	one   *item
	prop  string // the property, when the path ends in one
	value bool   // …/property/$value
	ref   bool   // …/$ref
}

// resolve walks a path such as "Things(1)/Datastreams(3)/Observations". Every step must
// exist in the public snapshot, and an id after a navigation must belong to that
// navigation: Things(B)/Datastreams(D) is 404 when D is not a Datastream of B (18-088
// §9.2, resource-path-to-entities; the path consistency test of specs §3.2).
func (rq *request) resolve(path string) (target, error) {
	segs := strings.Split(path, "/")
	name, key, hasKey, err := splitSegment(segs[0])
	if err != nil {
		return target{}, err
	}
	k, ok := kindOfCollection(name)
	if !ok {
		return target{}, notFoundf("no entity set %q", name)
	}
	t := target{many: rq.topSet(k)}
	if hasKey {
		if t, err = rq.member(t.many, key); err != nil {
			return target{}, err
		}
	}
	for i, seg := range segs[1:] {
		last := i == len(segs)-2
		if t, err = rq.step(t, seg, last); err != nil {
			return target{}, err
		}
	}
	return t, nil
}

// step applies one more path segment to t.
func (rq *request) step(t target, seg string, last bool) (target, error) {
	switch {
	case t.value:
		return target{}, notFoundf("nothing follows $value")
	case seg == "$ref":
		if !last || t.prop != "" {
			return target{}, notFoundf("$ref must end a path to entities")
		}
		t.ref = true
		return t, nil
	case seg == "$value":
		if !last || t.prop == "" {
			return target{}, notFoundf("$value must follow a property")
		}
		t.value = true
		return t, nil
	case t.prop != "":
		return target{}, notFoundf("property %s has no member %q", t.prop, seg)
	case t.many != nil:
		return target{}, notFoundf("%q cannot follow the collection %s", seg, t.many.path)
	}

	name, key, hasKey, err := splitSegment(seg)
	if err != nil {
		return target{}, err
	}
	if r, ok := relationOf(t.one.kind, name); ok {
		return rq.navigate(t.one, r, key, hasKey)
	}
	if !hasKey && hasProperty(t.one.kind, name) {
		return target{one: t.one, prop: name}, nil
	}
	return target{}, notFoundf("%s has no property or relation %q", typeNames[t.one.kind], seg)
}

func (rq *request) navigate(it *item, r relation, key int64, hasKey bool) (target, error) {
	if !r.many {
		if hasKey {
			return target{}, notFoundf("%s is a single entity; it takes no id", r.name)
		}
		one, ok := rq.toOne(it, r)
		if !ok {
			return target{}, notFoundf("%s(%d) has no %s", typeNames[it.kind], it.id(), r.name)
		}
		return target{one: one}, nil
	}
	s := rq.toMany(it, r)
	if !hasKey {
		return target{many: s}, nil
	}
	return rq.member(s, key)
}

func (rq *request) member(s *set, key int64) (target, error) {
	it, ok, err := s.find(key)
	if err != nil {
		return target{}, err
	}
	if !ok {
		return target{}, notFoundf("no %s(%d) in %s", typeNames[s.kind], key, s.path)
	}
	return target{one: it}, nil
}

// splitSegment splits "Things(12)" into its name and key. Keys are integers; one that is
// not, or does not fit an int64 (such as Long.MAX_VALUE + 1), names no entity: 404.
func splitSegment(seg string) (name string, key int64, hasKey bool, err error) {
	open := strings.IndexByte(seg, '(')
	if open < 0 {
		return seg, 0, false, nil
	}
	if !strings.HasSuffix(seg, ")") || open == 0 {
		return "", 0, false, notFoundf("bad path segment %q", seg)
	}
	name, raw := seg[:open], seg[open+1:len(seg)-1]
	key, perr := strconv.ParseInt(raw, 10, 64)
	if perr != nil {
		return "", 0, false, notFoundf("no entity with id %s: ids are integers", raw)
	}
	return name, key, true, nil
}

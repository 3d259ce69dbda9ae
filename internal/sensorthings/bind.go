package sensorthings

import (
	"fmt"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/sensorthings/query"
)

type getter = query.Getter[*item]

// binder resolves the property paths of $filter and $orderby for entities of kind k.
func (rq *request) binder(k kind) query.Binder[*item] {
	return func(path []string) (getter, error) { return rq.bind(k, path) }
}

// objectProps are the properties whose value is a JSON object, so a path may go inside
// them: properties/owner, unitOfMeasurement/symbol, location/type.
var objectProps = map[string]bool{
	"properties": true, "location": true, "feature": true, "unitOfMeasurement": true,
}

// bind resolves one path. A path may run through to-one relations (Observation →
// Datastream → Thing) and through the to-many relations that hold at most one entity here
// (Thing → Locations); the others (Thing → Datastreams) are refused with a 400, as the
// "any" semantics they would need are not implemented.
func (rq *request) bind(k kind, path []string) (getter, error) {
	head := path[0]
	if head == "id" || head == "@iot.id" {
		if len(path) > 1 {
			return nil, fmt.Errorf("id has no members")
		}
		return func(it *item) query.Value { return query.NumberValue(float64(it.id())) }, nil
	}
	if r, ok := relationOf(k, head); ok {
		return rq.bindRelation(k, r, path[1:])
	}
	if k == kObservation && len(path) == 1 {
		if g := observationGetter(head); g != nil {
			return g, nil
		}
	}
	p, ok := propOf(k, head)
	if !ok {
		return nil, fmt.Errorf("%s has no property %q", typeNames[k], head)
	}
	sub := path[1:]
	if len(sub) > 0 && !objectProps[head] {
		return nil, fmt.Errorf("property %s of %s has no members", head, typeNames[k])
	}
	return func(it *item) query.Value {
		v := p.get(rq, it)
		for _, key := range sub {
			var ok bool
			if v, ok = member(v, key); !ok {
				return query.Value{}
			}
		}
		return toValue(v)
	}, nil
}

func (rq *request) bindRelation(k kind, r relation, rest []string) (getter, error) {
	if r.many && !singleValued(k, r) {
		return nil, fmt.Errorf("filtering through the to-many relation %s of %s is not supported",
			r.name, typeNames[k])
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("%s is a relation: name one of its properties, e.g. %s/id",
			r.name, r.name)
	}
	inner, err := rq.bind(r.target, rest)
	if err != nil {
		return nil, err
	}
	return func(it *item) query.Value {
		sub, ok := rq.toOne(it, r)
		if !ok {
			return query.Value{}
		}
		return inner(sub)
	}, nil
}

// observationGetter returns allocation-free getters for the properties filters over
// Observations use most.
func observationGetter(name string) getter {
	switch name {
	case "result":
		return func(it *item) query.Value { return resultValue(it.obs.Result) }
	case "phenomenonTime":
		return func(it *item) query.Value { return query.TimeValue(it.obs.PhenomenonTime) }
	case "resultTime":
		return func(it *item) query.Value { return query.TimeValue(it.obs.ResultTime) }
	}
	return nil
}

func resultValue(v model.Value) query.Value {
	switch v.Kind {
	case model.KindNumber:
		return query.NumberValue(v.Num)
	case model.KindString:
		return query.StringValue(v.Str)
	case model.KindBool:
		return query.BoolValue(v.Num != 0)
	}
	return query.Value{}
}

// toValue converts a property value to a query value; objects compare as their JSON text.
func toValue(v any) query.Value {
	switch x := v.(type) {
	case nil:
		return query.Value{}
	case string:
		return query.StringValue(x)
	case float64:
		return query.NumberValue(x)
	case int64:
		return query.NumberValue(float64(x))
	case bool:
		return query.BoolValue(x)
	case time.Time:
		return query.TimeValue(x)
	case model.Value:
		return resultValue(x)
	case span:
		return query.IntervalValue(x.start, x.end)
	}
	return query.StringValue(string(appendJSON(nil, v)))
}

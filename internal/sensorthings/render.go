package sensorthings

import "strconv"

// render writes one entity: @iot.id and @iot.selfLink (18-088 §9.1, control information),
// its properties, a <Relation>@iot.navigationLink per relation, and what $expand asks for.
// With $select only what is selected appears ("id" selects @iot.id).
func (rq *request) render(it *item, p *plan) (object, error) {
	sel := p.sel
	self := link{base: rq.base, kind: it.kind, id: it.id()}
	o := make(object, 0, 12)
	if sel == nil || sel.id {
		o = append(o, field{"@iot.id", self.id})
	}
	if sel == nil {
		o = append(o, field{"@iot.selfLink", self})
	}
	for _, pd := range props[it.kind] {
		if !sel.has(pd.name) {
			continue
		}
		v := pd.get(rq, it)
		if v == nil && pd.omitNil {
			continue
		}
		o = append(o, field{pd.name, v})
	}
	for _, r := range relations[it.kind] {
		if sel == nil && !p.expanded || sel != nil && sel.names[r.name] {
			nav := self
			nav.nav = r.name
			o = append(o, field{navKeys[it.kind][r.name], nav})
		}
	}
	for _, e := range p.expand {
		var err error
		if o, err = rq.renderExpand(o, it, e); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// renderExpand adds an expanded relation: the entity, or the collection with its own
// @iot.count and @iot.nextLink (18-088 §9.3.2.1). A to-one relation that leads nowhere
// (the FeatureOfInterest of a device without a location) is left out; an empty
// collection is [].
func (rq *request) renderExpand(o object, it *item, e expandPlan) (object, error) {
	if !e.rel.many {
		sub, ok := rq.toOne(it, e.rel)
		if !ok {
			return o, nil
		}
		so, err := rq.render(sub, e.plan)
		if err != nil {
			return nil, err
		}
		return append(o, field{e.rel.name, so}), nil
	}

	s := rq.toMany(it, e.rel)
	pg, err := rq.page(s, e.plan, e.plan.opts.SkipToken)
	if err != nil {
		return nil, err
	}
	objs, err := rq.renderAll(pg.items, e.plan)
	if err != nil {
		return nil, err
	}
	if e.plan.count {
		o = append(o, field{e.rel.name + "@iot.count", pg.count})
	}
	o = append(o, field{e.rel.name, objs})
	if pg.next != nil {
		link := rq.nextLink(s.path, e.plan.opts.Params, e.plan.top, pg.next)
		o = append(o, field{e.rel.name + "@iot.nextLink", link})
	}
	return o, nil
}

func (rq *request) renderAll(items []*item, p *plan) ([]object, error) {
	objs := make([]object, len(items))
	for i, it := range items {
		o, err := rq.render(it, p)
		if err != nil {
			return nil, err
		}
		objs[i] = o
	}
	return objs, nil
}

func (rq *request) refOf(it *item) object {
	return object{{"@iot.selfLink", link{base: rq.base, kind: it.kind, id: it.id()}}}
}

// link is an entity's selfLink, or with nav one of its navigation links, written straight
// into the response without building the string first.
type link struct {
	base string
	kind kind
	id   int64
	nav  string
}

func appendLink(b []byte, l link) []byte {
	b = append(b, '"')
	b = appendEscaped(b, l.base)
	b = append(b, '/')
	b = append(b, collectionNames[l.kind]...)
	b = append(b, '(')
	b = strconv.AppendInt(b, l.id, 10)
	b = append(b, ')')
	if l.nav != "" {
		b = append(b, '/')
		b = append(b, l.nav...)
	}
	return append(b, '"')
}

// navKeys holds the "<Relation>@iot.navigationLink" member names, built once.
var navKeys = func() [numKinds]map[string]string {
	var keys [numKinds]map[string]string
	for k, rels := range relations {
		keys[k] = map[string]string{}
		for _, r := range rels {
			keys[k][r.name] = r.name + "@iot.navigationLink"
		}
	}
	return keys
}()

// conformance lists the requirement classes this service passes, read by test suites by
// prefix (specs §0.2): no more than is implemented. Not declared: create-update-delete,
// built-in-query-functions (no geospatial functions), MQTT, batch, dataArray.
var conformance = []string{
	"http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/order",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/expand",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/select",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/orderby",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/top",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/skip",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/count",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/filter",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/built-in-filter-operations",
	"http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/pagination",
}

// serviceRoot is the service document (18-088 §9.2.1): the eight entity sets and the
// server settings.
func (rq *request) serviceRoot() response {
	sets := make([]object, 0, numKinds)
	for _, name := range collectionNames {
		sets = append(sets, object{{"name", name}, {"url", rq.base + "/" + name}})
	}
	return jsonResponse(object{
		{"value", sets},
		{"serverSettings", object{{"conformance", conformance}}},
	})
}

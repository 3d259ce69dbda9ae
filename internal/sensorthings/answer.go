package sensorthings

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/sensorthings/query"
)

// answer builds the response for a resolved path.
func (rq *request) answer(t target, opts *query.Options) (response, error) {
	var (
		resp response
		err  error
	)
	switch {
	case t.prop != "":
		resp = rq.property(t)
	case t.many != nil:
		resp, err = rq.collection(t, opts)
	case t.ref:
		resp = jsonResponse(rq.refOf(t.one))
	default:
		resp, err = rq.entity(t.one, opts)
	}
	if err != nil {
		return response{}, err
	}
	if rq.err != nil {
		return response{}, rq.err
	}
	return resp, nil
}

func (rq *request) entity(it *item, opts *query.Options) (response, error) {
	p, err := rq.compile(it.kind, opts, false)
	if err != nil {
		return response{}, err
	}
	o, err := rq.render(it, p)
	if err != nil {
		return response{}, err
	}
	return jsonResponse(o), nil
}

// collection answers a collection or its $ref: {"@iot.count", "@iot.nextLink", "value"}.
func (rq *request) collection(t target, opts *query.Options) (response, error) {
	s := t.many
	p, err := rq.compile(s.kind, opts, false)
	if err != nil {
		return response{}, err
	}
	pg, err := rq.page(s, p, opts.SkipToken)
	if err != nil {
		return response{}, err
	}

	var values []object
	if t.ref {
		values = make([]object, len(pg.items))
		for i, it := range pg.items {
			values[i] = rq.refOf(it)
		}
	} else if values, err = rq.renderAll(pg.items, p); err != nil {
		return response{}, err
	}

	o := make(object, 0, 3)
	if p.count {
		o = append(o, field{"@iot.count", pg.count})
	}
	if pg.next != nil {
		path := s.path
		if t.ref {
			path += "/$ref" // the next page of references is references too
		}
		o = append(o, field{"@iot.nextLink", rq.nextLink(path, opts.Params, p.top, pg.next)})
	}
	return jsonResponse(append(o, field{"value", values})), nil
}

// property answers Coll(id)/property with {"property": value}, or with the bare value for
// …/$value: text for scalars, JSON for objects (18-088 §9.2.4, §9.2.5). A null or absent
// property answers 204 No Content.
func (rq *request) property(t target) response {
	pd, _ := propOf(t.one.kind, t.prop)
	v := pd.get(rq, t.one)
	if mv, ok := v.(model.Value); v == nil || ok && mv.Kind == model.KindNull {
		return response{status: http.StatusNoContent}
	}
	if !t.value {
		return jsonResponse(object{{t.prop, v}})
	}
	text, ok := rawText(v)
	if !ok {
		return jsonResponse(v)
	}
	return response{contentType: "text/plain; charset=utf-8", body: []byte(text)}
}

// rawText is the $value form of a scalar; ok is false for object values.
func rawText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case time.Time:
		return formatTime(x), true
	case span:
		return x.String(), true
	case float64:
		return string(appendFloat(nil, x)), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case model.Value:
		if x.Kind == model.KindString {
			return x.Str, true
		}
		return string(appendResult(nil, x)), true
	}
	return "", false
}

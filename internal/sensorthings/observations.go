package sensorthings

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/sensorthings/query"
	"github.com/vindel-hub/vindel/internal/store"
)

// obsPage pages a set of Observations. Three ways, cheapest first:
//
//   - /Observations in id order: store.Scan with a keyset on the id;
//   - in phenomenonTime order (the default below a Datastream or FeatureOfInterest):
//     store.Range per Datastream, narrowed by the time bounds of $filter, merged, with a
//     keyset on (phenomenonTime, id);
//   - any other order: read the (narrowed) range, sort it in memory, page with $skip —
//     refused beyond Options.MaxSort Observations.
//
// Keyset pages continue with a $skiptoken holding the last position, so the cost of a
// page does not grow with its depth (specs §5 #1, #5).
func (rq *request) obsPage(os *obsSet, p *plan, token string) (page, error) {
	streams := os.streams
	if os.global {
		streams = rq.publicStreams()
	}
	switch {
	case os.global && (len(p.order) == 0 || p.byID):
		return rq.keysetPage(rq.scanSource(p.desc), p, p.filter, token, streams, "i")
	case p.byTime:
		if p.bounds.Empty {
			return page{}, nil
		}
		return rq.keysetPage(rq.mergeSource(streams, p), p, p.residual, token, streams, "t")
	case token != "":
		return page{}, badRequestf("$skiptoken is not valid with this $orderby")
	}
	return rq.sortedPage(streams, p)
}

func (rq *request) publicStreams() []int64 {
	ids := make([]int64, len(rq.snap.Datastreams))
	for i, ds := range rq.snap.Datastreams {
		ids[i] = ds.ID
	}
	return ids
}

// source yields Observations in one order, a batch at a time.
type source interface {
	// seek positions the source after a $skiptoken position.
	seek(tok cursor)
	// next returns up to n more Observations; done reports that none are left after them.
	next(n int) (obs []model.Observation, done bool, err error)
}

// cursor is a keyset position: the last Observation of a page.
type cursor struct {
	time time.Time
	id   uint64
}

func (rq *request) keysetPage(src source, p *plan, match getter, token string,
	streams []int64, tokKind string) (page, error) {
	var pg page
	if token != "" {
		c, err := parseToken(token, tokKind)
		if err != nil {
			return page{}, err
		}
		src.seek(c)
	}
	if p.count {
		n, err := rq.countObs(streams, p)
		if err != nil {
			return page{}, err
		}
		pg.count = n
	}
	if p.top == 0 {
		return pg, nil
	}

	items, more, err := collect(src, match, p.skip, p.top)
	if err != nil {
		return page{}, err
	}
	pg.items = items
	if more {
		last := items[len(items)-1].obs
		pg.next = &query.Param{Name: "$skiptoken", Value: formatToken(tokKind, last)}
	}
	return pg, nil
}

// collect reads src until it has skipped skip matches and kept top more, and reports
// whether a further match exists (which decides the nextLink).
func collect(src source, match getter, skip, top int) ([]*item, bool, error) {
	need := skip + top + 1
	matched := 0
	out := make([]*item, 0, min(top, 1024))
	scratch := &item{kind: kObservation}
	for {
		batch, done, err := src.next(batchSize(need-matched, match != nil))
		if err != nil {
			return nil, false, err
		}
		for _, o := range batch {
			scratch.obs = o
			if match != nil && !query.Truthy(match(scratch)) {
				continue
			}
			matched++
			switch {
			case matched <= skip:
			case len(out) < top:
				out = append(out, &item{kind: kObservation, obs: o})
			default:
				return out, true, nil
			}
		}
		if done {
			return out, false, nil
		}
	}
}

// batchSize is how many Observations to ask the store for when want more are needed; with
// a filter some will not match, so read at least a few hundred at a time.
func batchSize(want int, filtered bool) int {
	if filtered {
		want = max(want, 256)
	}
	return max(1, min(want, 10001))
}

// countObs is @iot.count for a set of Observations. Without a filter beyond time bounds on
// phenomenonTime it is one store.Count per Datastream; otherwise every Observation in the
// bounds is read and tested.
func (rq *request) countObs(streams []int64, p *plan) (int64, error) {
	if p.bounds.Empty {
		return 0, nil
	}
	if p.residual == nil {
		var total int64
		for _, id := range streams {
			n, err := rq.h.st.Count(rq.ctx, id, p.bounds.From, p.bounds.To)
			if err != nil {
				return 0, storeError("count", err)
			}
			total += n
		}
		return total, nil
	}
	src := rq.mergeSource(streams, &plan{bounds: p.bounds})
	scratch := &item{kind: kObservation}
	var total int64
	for {
		batch, done, err := src.next(10000)
		if err != nil {
			return 0, err
		}
		for _, o := range batch {
			scratch.obs = o
			if query.Truthy(p.residual(scratch)) {
				total++
			}
		}
		if done {
			return total, nil
		}
	}
}

// sortedPage reads every Observation in the bounds, sorts them by $orderby and pages with
// $skip.
func (rq *request) sortedPage(streams []int64, p *plan) (page, error) {
	if p.bounds.Empty {
		return page{}, nil
	}
	src := rq.mergeSource(streams, &plan{bounds: p.bounds})
	var all []*item
	scratch := &item{kind: kObservation}
	for {
		batch, done, err := src.next(10000)
		if err != nil {
			return page{}, err
		}
		for _, o := range batch {
			scratch.obs = o
			if p.residual != nil && !query.Truthy(p.residual(scratch)) {
				continue
			}
			all = append(all, &item{kind: kObservation, obs: o})
		}
		if len(all) > rq.h.opt.MaxSort {
			return page{}, badRequestf("this $orderby needs more than %d Observations sorted "+
				"in memory; order by phenomenonTime or narrow $filter with phenomenonTime bounds",
				rq.h.opt.MaxSort)
		}
		if done {
			break
		}
	}
	sortItems(all, p.order)
	return slicePage(all, p), nil
}

// formatToken writes a keyset position: "t<unix seconds>.<nanoseconds>_<id>" for
// phenomenonTime order, "i<id>" for id order.
func formatToken(tokKind string, o model.Observation) string {
	if tokKind == "i" {
		return "i" + strconv.FormatUint(o.ID, 10)
	}
	t := o.PhenomenonTime
	return fmt.Sprintf("t%d.%09d_%d", t.Unix(), t.Nanosecond(), o.ID)
}

func parseToken(s, tokKind string) (cursor, error) {
	bad := badRequestf("$skiptoken %q does not belong to this request's $orderby", s)
	if !strings.HasPrefix(s, tokKind) {
		return cursor{}, bad
	}
	s = s[1:]
	if tokKind == "i" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cursor{}, bad
		}
		return cursor{id: id}, nil
	}
	ts, idText, ok := strings.Cut(s, "_")
	secText, nsText, ok2 := strings.Cut(ts, ".")
	sec, err1 := strconv.ParseInt(secText, 10, 64)
	ns, err2 := strconv.ParseInt(nsText, 10, 64)
	id, err3 := strconv.ParseUint(idText, 10, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || err3 != nil || ns < 0 || ns >= 1e9 {
		return cursor{}, bad
	}
	return cursor{time: time.Unix(sec, ns).UTC(), id: id}, nil
}

func (c cursor) storeCursor() store.Cursor { return store.Cursor{Time: c.time, ID: c.id} }

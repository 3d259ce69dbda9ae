package sensorthings

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/vindel-hub/vindel/internal/sensorthings/query"
)

// page is one page of a collection.
type page struct {
	items []*item
	count int64        // the size of the whole filtered collection, when $count=true
	next  *query.Param // the option that continues the collection; nil on the last page
}

// page applies a plan to a set. Query options are applied in the order 18-088 §9.3.1 and
// the OGC priority test prescribe: $filter, $count, $orderby, $skip, $top.
func (rq *request) page(s *set, p *plan, token string) (page, error) {
	if s.obs != nil {
		return rq.obsPage(s.obs, p, token)
	}
	if token != "" {
		return page{}, badRequestf("$skiptoken is only valid on Observations")
	}
	return rq.smallPage(s.list(), p), nil
}

// smallPage pages a set held in memory.
func (rq *request) smallPage(list []*item, p *plan) page {
	if p.filter != nil {
		kept := list[:0:0]
		for _, it := range list {
			if query.Truthy(p.filter(it)) {
				kept = append(kept, it)
			}
		}
		list = kept
	}
	sortItems(list, p.order)
	return slicePage(list, p)
}

// slicePage cuts $skip and $top out of a filtered, sorted list. A nextLink is given iff
// more items follow (18-088 §9.3.3.3.5 with FROST PR #264: $top=0 has none).
func slicePage(list []*item, p *plan) page {
	n := len(list)
	from := min(p.skip, n)
	to := min(from+p.top, n)
	pg := page{items: list[from:to], count: int64(n)}
	if p.top > 0 && to < n {
		pg.next = &query.Param{Name: "$skip", Value: strconv.Itoa(to)}
	}
	return pg
}

// sortItems orders by the $orderby keys, then by id ascending, so that pages are stable.
func sortItems(list []*item, order []orderKey) {
	if len(order) == 0 {
		slices.SortStableFunc(list, func(a, b *item) int { return cmp.Compare(a.id(), b.id()) })
		return
	}
	keys := make(map[*item][]query.Value, len(list))
	for _, it := range list {
		k := make([]query.Value, len(order))
		for i, o := range order {
			k[i] = o.get(it)
		}
		keys[it] = k
	}
	slices.SortStableFunc(list, func(a, b *item) int {
		ka, kb := keys[a], keys[b]
		for i, o := range order {
			c := query.Collate(ka[i], kb[i])
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.id(), b.id())
	})
}

// nextLink is the absolute URL of the next page: the same path and options, with $top
// made explicit and $skip or $skiptoken replaced by next.
func (rq *request) nextLink(path string, params []query.Param, top int,
	next *query.Param) string {
	var b strings.Builder
	b.WriteString(rq.base + "/" + path + "?")
	for _, p := range params {
		switch p.Name {
		case "$skip", "$skiptoken", "$top":
			continue
		}
		b.WriteString(p.Name + "=" + escapeValue(p.Value) + "&")
	}
	b.WriteString("$top=" + strconv.Itoa(top) + "&")
	b.WriteString(next.Name + "=" + escapeValue(next.Value))
	return b.String()
}

// escapeValue percent-encodes a query option value, keeping the characters OData
// expressions are made of readable. '+' is encoded, as a literal '+' reads as a space.
func escapeValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-_.~!$'()*,;:@/=", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)>>4, 16)) +
			strings.ToUpper(strconv.FormatUint(uint64(c)&15, 16)))
	}
	return b.String()
}

// Package sensorthings serves the hub's devices and Observations as the read side of an OGC
// SensorThings API 1.1 service (OGC 18-088): resource paths, entity control information and
// the query options of the request-data class. It is read-only: writes answer 405.
//
// Mapping of Vindel's model (every @iot.id is an integer, as the OGC test suite needs):
// a device is a Thing; a device with a location also has one Location, one
// HistoricalLocation and one FeatureOfInterest, all with the device's id. Observations of
// a device without a location have no FeatureOfInterest: navigating to it answers 404 and
// expanding it gives nothing. Sensors, ObservedProperties, Datastreams and Observations
// are the entities of internal/model. Only the snapshot returned by Catalog.Public is read.
//
// Choices where the standard leaves room:
//   - Observations below a Datastream or FeatureOfInterest are ordered by phenomenonTime
//     (then id) by default, /Observations by id; both page with a keyset $skiptoken.
//   - A Datastream's phenomenonTime and resultTime are absent while it has no
//     Observations; $orderby=phenomenonTime on Datastreams sorts by the interval's start,
//     then its end.
//   - Expanded entities carry their properties but no navigation links unless $select
//     names them (the FROST suite's expectation).
//   - A top-level $filter does not trim expanded collections; give the expansion its own
//     $filter (specs §5 #9).
package sensorthings

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/sensorthings/query"
	"github.com/vindel-hub/vindel/internal/store"
)

// Options configure the service.
type Options struct {
	// BaseURL is the absolute service root, e.g. "http://localhost:8080/v1.1". When empty it
	// is derived from each request: scheme + Host + "/v1.1".
	BaseURL string
	// DefaultTop is the page size when a request has no $top (100 when zero).
	DefaultTop int
	// MaxTop caps $top (10000 when zero).
	MaxTop int
	// MaxSort caps how many Observations one request may load into memory to sort them by
	// something other than phenomenonTime (or id, for /Observations); beyond it the
	// request answers 400 and asks for a narrower time filter (200000 when zero).
	MaxSort int
}

func (o Options) withDefaults() Options {
	if o.DefaultTop <= 0 {
		o.DefaultTop = 100
	}
	if o.MaxTop <= 0 {
		o.MaxTop = 10000
	}
	if o.DefaultTop > o.MaxTop {
		o.DefaultTop = o.MaxTop
	}
	if o.MaxSort <= 0 {
		o.MaxSort = 200000
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	return o
}

// handler is the http.Handler that New returns.
type handler struct {
	cat devices.Catalog
	st  store.Store
	opt Options
	log *slog.Logger
}

// New returns the SensorThings service. The caller mounts it under /v1.1 and strips that
// prefix, so the handler sees paths such as "/Things(1)". Every request reads one snapshot
// from cat.Public(), the visibility gate: what it does not hold is answered as not found.
func New(cat devices.Catalog, st store.Store, opt Options, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{cat: cat, st: st, opt: opt.withDefaults(), log: log}
}

// request is the state of one HTTP request: the snapshot, the resolved base URL, and caches
// of what the store was asked.
type request struct {
	ctx  context.Context
	h    *handler
	snap *devices.Snapshot
	base string

	latestOnce sync.Once
	latest     map[int64]model.Observation
	latestErr  error
	times      map[int64]dsTimes
	err        error // the first store failure met inside a getter; see fail
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.writeError(w, r, errReadOnly(r.Method))
		return
	}
	rq := &request{
		ctx:   r.Context(),
		h:     h,
		snap:  h.cat.Public(),
		base:  h.baseURL(r),
		times: map[int64]dsTimes{},
	}
	if rq.snap == nil {
		rq.snap = devices.NewSnapshot(nil, nil, nil, nil)
	}
	body, err := rq.serve(r.URL.Path, r.URL.RawQuery)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	body.write(w)
}

func (h *handler) baseURL(r *http.Request) string {
	if h.opt.BaseURL != "" {
		return h.opt.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1.1"
}

// serve answers one GET: the service root, or a resource path with its query options.
func (rq *request) serve(path, rawQuery string) (response, error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return rq.serviceRoot(), nil
	}
	opts, err := query.ParseQuery(rawQuery)
	if err != nil {
		return response{}, badRequest(err)
	}
	t, err := rq.resolve(path)
	if err != nil {
		return response{}, err
	}
	return rq.answer(t, opts)
}

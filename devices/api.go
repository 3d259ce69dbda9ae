package devices

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vindel-hub/vindel/ingest"
	"github.com/vindel-hub/vindel/internal/store"
)

// APIOptions configures the devices REST API.
type APIOptions struct {
	// AdminKey authorises writes and the private view. Empty refuses every write.
	AdminKey string
	// HasProfile reports whether a firmware profile exists for "vendor/model" and a firmware
	// version, so a device cannot be registered with a profile that would never decode.
	HasProfile func(id, firmware string) bool
	// Archive, when set, serves a device's recent raw uplinks with their outcomes.
	Archive store.Archive
	// Redecoder, when set, decodes a device's undecoded raw uplinks again.
	Redecoder Redecoder
}

// Redecoder decodes again the raw uplinks of a device that the hub kept without decoding
// them (the pipeline does).
type Redecoder interface {
	Redecode(ctx context.Context, devEUI string) (RedecodeReport, error)
}

// RedecodeReport is what a Redecode did: how many raw uplinks it decoded again, and how
// many of them came to each outcome.
type RedecodeReport struct {
	Uplinks  int            `json:"uplinks"`
	Outcomes map[string]int `json:"outcomes"`
}

// API serves /api/v1/devices.
type API struct {
	reg *Registry
	opt APIOptions
	log *slog.Logger
}

// NewAPI returns the devices REST API on reg.
func NewAPI(reg *Registry, opt APIOptions, log *slog.Logger) *API {
	return &API{reg: reg, opt: opt, log: log}
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/devices", a.list)
	mux.HandleFunc("POST /api/v1/devices", a.admin(a.create))
	mux.HandleFunc("GET /api/v1/devices/{devEui}", a.get)
	mux.HandleFunc("PUT /api/v1/devices/{devEui}", a.admin(a.replace))
	mux.HandleFunc("PATCH /api/v1/devices/{devEui}", a.admin(a.patch))
	mux.HandleFunc("DELETE /api/v1/devices/{devEui}", a.admin(a.remove))
	mux.HandleFunc("GET /api/v1/devices/{devEui}/uplinks", a.admin(a.uplinks))
	mux.HandleFunc("GET /api/v1/uplinks", a.admin(a.uplinks))
	mux.HandleFunc("POST /api/v1/devices/{devEui}/redecode", a.admin(a.redecode))
}

// redecode decodes the device's undecoded raw uplinks again and answers with the report.
func (a *API) redecode(w http.ResponseWriter, r *http.Request) {
	if a.opt.Redecoder == nil {
		writeError(w, http.StatusNotFound, "no raw uplink archive to decode from")
		return
	}
	eui, err := normalizeEUIParam(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	if _, err := a.reg.byEUI(eui); err != nil { // an unknown device would stay unknown
		a.fail(w, err)
		return
	}
	rep, err := a.opt.Redecoder.Redecode(r.Context(), eui)
	if err != nil {
		// Not finished (the hub stopping, the caller gone, the archive failing): what was
		// done is reported, and asking again does the rest.
		a.log.Warn("redecode did not finish", "dev_eui", eui, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error(),
			"uplinks": rep.Uplinks, "outcomes": rep.Outcomes})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// isAdmin checks the request's key, given as "Authorization: Bearer <key>" or "X-API-Key".
func (a *API) isAdmin(r *http.Request) bool {
	if a.opt.AdminKey == "" {
		return false
	}
	key := r.Header.Get("X-API-Key")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		key = strings.TrimPrefix(auth, "Bearer ")
	}
	return subtle.ConstantTimeCompare([]byte(key), []byte(a.opt.AdminKey)) == 1
}

func (a *API) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.opt.AdminKey == "":
			writeError(w, http.StatusForbidden, "the admin API is disabled: set admin_key in the "+
				"config (device writes and the raw uplinks need it)")
		case !a.isAdmin(r):
			w.Header().Set("WWW-Authenticate", `Bearer realm="vindel"`)
			writeError(w, http.StatusUnauthorized,
				"the admin API key is missing or wrong (Authorization: Bearer <key>)")
		default:
			h(w, r)
		}
	}
}

// view is the snapshot a request may see: everything for an admin, else the public view.
func (a *API) view(r *http.Request) *Snapshot {
	if a.isAdmin(r) {
		return a.reg.All()
	}
	return a.reg.Public()
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	devs := a.view(r).Devices
	if devs == nil {
		devs = []*Device{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": devs})
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	eui, err := normalizeEUIParam(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	d, ok := a.view(r).DeviceByEUI(eui)
	if !ok {
		a.fail(w, fmt.Errorf("%w: %s", ErrNotFound, eui))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	var d Device
	if err := decodeBody(r, &d); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.checkProfile(d); err != nil {
		a.fail(w, err)
		return
	}
	d, err := a.reg.Create(r.Context(), d)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.log.Info("device registered", "dev_eui", d.DevEUI, "profile", d.Profile)
	w.Header().Set("Location", "/api/v1/devices/"+d.DevEUI)
	writeJSON(w, http.StatusCreated, d)
}

func (a *API) replace(w http.ResponseWriter, r *http.Request) {
	var d Device
	if err := decodeBody(r, &d); err != nil {
		a.fail(w, err)
		return
	}
	a.update(w, r, d)
}

// patch applies a JSON merge patch (RFC 7396) of the device's fields.
func (a *API) patch(w http.ResponseWriter, r *http.Request) {
	eui, err := normalizeEUIParam(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	old, ok := a.reg.All().DeviceByEUI(eui)
	if !ok {
		a.fail(w, fmt.Errorf("%w: %s", ErrNotFound, eui))
		return
	}
	d := *old
	if err := decodeBody(r, &d); err != nil {
		a.fail(w, err)
		return
	}
	a.update(w, r, d)
}

func (a *API) update(w http.ResponseWriter, r *http.Request, d Device) {
	if err := a.checkProfile(d); err != nil {
		a.fail(w, err)
		return
	}
	d, err := a.reg.Update(r.Context(), r.PathValue("devEui"), d)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.log.Info("device updated", "dev_eui", d.DevEUI, "profile", d.Profile, "public", d.Public)
	writeJSON(w, http.StatusOK, d)
}

func (a *API) remove(w http.ResponseWriter, r *http.Request) {
	if err := a.reg.Delete(r.Context(), r.PathValue("devEui")); err != nil {
		a.fail(w, err)
		return
	}
	a.log.Info("device deleted", "dev_eui", r.PathValue("devEui"))
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) uplinks(w http.ResponseWriter, r *http.Request) {
	if a.opt.Archive == nil {
		writeError(w, http.StatusNotFound, "no raw uplink archive")
		return
	}
	eui := "" // every raw uplink, also those whose DevEUI could not be read
	if r.PathValue("devEui") != "" {
		var err error
		if eui, err = normalizeEUIParam(r); err != nil {
			a.fail(w, err)
			return
		}
	}
	var after uint64
	if v := r.URL.Query().Get("after"); v != "" {
		var err error
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			a.fail(w, fmt.Errorf("%w: after=%q is not a sequence number", errBadQuery, v))
			return
		}
	}
	raws, err := a.opt.Archive.Raw(r.Context(), eui, after, uplinksPage)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := make([]rawView, len(raws))
	for i, u := range raws {
		out[i] = newRawView(u)
	}
	body := map[string]any{"uplinks": out}
	if len(raws) == uplinksPage { // there may be more: where the next page starts
		body["next"] = r.URL.Path + "?after=" + strconv.FormatUint(raws[len(raws)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) checkProfile(d Device) error {
	if a.opt.HasProfile == nil || d.Profile == "" || a.opt.HasProfile(d.Profile, d.Firmware) {
		return nil
	}
	if d.Firmware == "" {
		return fmt.Errorf("%w: no firmware profile %q (vindel profiles, or GET /api/v1/profiles, "+
			"lists them)", ErrInvalid, d.Profile)
	}
	return fmt.Errorf("%w: firmware profile %q does not cover firmware %q (vindel profiles, "+
		"or GET /api/v1/profiles, lists them)", ErrInvalid, d.Profile, d.Firmware)
}

func normalizeEUIParam(r *http.Request) (string, error) {
	eui, err := ingest.NormalizeDevEUI(r.PathValue("devEui"))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return eui, nil
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: body: %w", ErrInvalid, err)
	}
	return nil
}

// fail maps an error to its HTTP status, the one table for this API.
// errBadQuery is a query parameter the API cannot read.
var errBadQuery = errors.New("bad query")

func (a *API) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrExists):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrInvalid), errors.Is(err, errBadQuery):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		a.log.Error("devices API", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "error": msg})
}

// uplinksPage is how many raw uplinks one page of /uplinks holds.
const uplinksPage = 100

// rawView is a raw uplink as the API shows it to the device's owner.
type rawView struct {
	Seq        uint64 `json:"seq"`
	ReceivedAt string `json:"receivedAt"`
	Source     string `json:"source"`
	Topic      string `json:"topic"`
	DevEUI     string `json:"devEui,omitempty"` // from the envelope or topic; none if unreadable
	Outcome    string `json:"outcome"`
	Detail     string `json:"detail,omitempty"`
	Envelope   any    `json:"envelope"` // the JSON body, or base64 for binary envelopes
}

func newRawView(u store.RawUplink) rawView {
	v := rawView{Seq: u.Seq, ReceivedAt: u.ReceivedAt.UTC().Format(time.RFC3339Nano),
		Source: u.Source, Topic: u.Topic, DevEUI: u.DevEUI, Outcome: string(u.Outcome),
		Detail: u.Detail}
	if json.Valid(u.Envelope) {
		v.Envelope = json.RawMessage(u.Envelope)
	} else {
		v.Envelope = u.Envelope // encoding/json writes []byte as base64
	}
	return v
}

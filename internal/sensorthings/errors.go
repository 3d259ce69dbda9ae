package sensorthings

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// errKind classifies what went wrong; errorTable maps each kind to its HTTP status. This
// is the one place where errors become status codes and STA error bodies.
type errKind uint8

const (
	kindInternal errKind = iota
	kindBadQuery         // a malformed or unsupported query option or path (18-088 §9.3)
	kindNotFound         // no such entity, or one the public snapshot does not hold
	kindReadOnly         // a write method: this service has no create-update-delete
)

var errorTable = map[errKind]int{
	kindInternal: http.StatusInternalServerError,
	kindBadQuery: http.StatusBadRequest,
	kindNotFound: http.StatusNotFound,
	kindReadOnly: http.StatusMethodNotAllowed,
}

// apiError is an error with a kind and a message meant for the client.
type apiError struct {
	kind errKind
	msg  string
	err  error // the cause, for logs
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.err }

func badRequest(err error) error {
	return &apiError{kind: kindBadQuery, msg: err.Error()}
}

func badRequestf(format string, args ...any) error {
	return &apiError{kind: kindBadQuery, msg: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &apiError{kind: kindNotFound, msg: fmt.Sprintf(format, args...)}
}

func errReadOnly(method string) error {
	return &apiError{kind: kindReadOnly, msg: method + " is not allowed: this SensorThings " +
		"service is read-only (create, update and delete are not supported)"}
}

// storeError wraps a failure of the time-series store; store.ErrNotFound is not one.
func storeError(op string, err error) error {
	return &apiError{kind: kindInternal, msg: "reading observations failed",
		err: fmt.Errorf("%s: %w", op, err)}
}

// writeError answers with the STA error body {"code":…,"type":"error","message":…}.
// Internal errors are logged and their detail is not shown to the client.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{kind: kindInternal, msg: "internal error", err: err}
	}
	status := errorTable[ae.kind]
	msg := ae.msg
	if ae.kind == kindInternal {
		h.log.Error("sensorthings request failed", "path", r.URL.Path, "err", err)
	} else {
		h.log.Debug("sensorthings request refused", "path", r.URL.Path, "status", status,
			"err", err)
	}
	body := []byte(`{"code":` + strconv.Itoa(status) + `,"type":"error","message":`)
	body = appendString(body, msg)
	body = append(body, '}')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

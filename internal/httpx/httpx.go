package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Error is an error with what the client should see.
type Error struct {
	Status     int
	Code       string // stable, machine-readable: the JSON "error" field
	Message    string // for people: the JSON "message" field
	RetryAfter time.Duration
	Cause      error // logged, never sent
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error without a cause.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Body is the JSON shape of every error answer.
type Body struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// Handler is an http.Handler that returns an error instead of writing one.
type Handler func(w http.ResponseWriter, r *http.Request) error

// Wrap turns h into an http.Handler whose errors are written by WriteError.
func Wrap(log *slog.Logger, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, log, err)
		}
	})
}

// WriteError writes err as a JSON error answer, classified by ErrorOf, and
// logs it with log: 5xx at error level, the rest at debug.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := ErrorOf(err)
	if e.Status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code, "err", err)
	} else {
		log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code, "err", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	WriteJSON(w, e.Status, Body{Error: e.Code, Message: e.Message})
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal","message":"response could not be encoded"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// DecodeJSON reads at most limit bytes of JSON from r into v. Unknown fields
// are ignored; an empty body leaves v unchanged. Errors are *Error: 413 when
// the body is too large, 400 when it is not JSON of the right shape.
func DecodeJSON(r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Message: fmt.Sprintf("request body is larger than %d bytes", limit)}
	case err != nil:
		return &Error{Status: http.StatusBadRequest, Code: "body_unreadable", Message: "request body could not be read", Cause: err}
	case len(body) == 0:
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "request body is not valid JSON"
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			msg = fmt.Sprintf("request body field %q must be a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
		}
		return &Error{Status: http.StatusBadRequest, Code: "malformed_body", Message: msg, Cause: err}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	default:
		return "number"
	}
}

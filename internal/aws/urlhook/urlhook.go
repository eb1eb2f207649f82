package urlhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// Result is the JSON body of a webhook answer.
type Result struct {
	// Error is a machine code on 4xx/5xx answers.
	Error string `json:"error,omitempty"`
	// Message explains errors and ignored events.
	Message string `json:"message,omitempty"`
	// Event is the event id.
	Event string `json:"event,omitempty"`
	// Action is what the function did with the event.
	Action string `json:"action,omitempty"`
	// Changes are the changes it made, when it reports them.
	Changes []string `json:"changes,omitempty"`
}

// Respond builds a function URL answer with a JSON body.
func Respond(status int, body Result) events.LambdaFunctionURLResponse {
	b, _ := json.Marshal(body)
	return events.LambdaFunctionURLResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
}

// Header returns a request header; function URLs deliver lower-case names.
func Header(req events.LambdaFunctionURLRequest, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Receiver verifies deliveries. Its zero Now is the wall clock and its
// zero Tolerance is webhook.DefaultTolerance.
type Receiver struct {
	// Secrets returns the accepted signing secrets; nil means webhooks are
	// not configured and every delivery is refused.
	Secrets   func(context.Context) ([]string, error)
	Now       func() time.Time
	Tolerance time.Duration
}

// Receive returns the verified event and a logger that names it. When the
// delivery is refused, ok is false and refusal is the answer to send: 405
// for another method, 400 for a bad body or event, 401 for a bad
// signature, 503 when the secrets cannot be read or none are configured
// (the sender retries 5xx).
func (r Receiver) Receive(ctx context.Context, req events.LambdaFunctionURLRequest, log *slog.Logger) (ev webhook.Event, evLog *slog.Logger, refusal events.LambdaFunctionURLResponse, ok bool) {
	// Until the body is verified and parsed, the event is named by its
	// headers; after, by the event itself (each key once per line).
	base := log.With("kind", "webhook", "ip", req.RequestContext.HTTP.SourceIP)
	log = base.With("eventId", Header(req, webhook.HeaderEventID), "eventType", Header(req, webhook.HeaderEventType))
	refuse := func(status int, code, msg string, lvl slog.Level, attrs ...any) (webhook.Event, *slog.Logger, events.LambdaFunctionURLResponse, bool) {
		log.Log(ctx, lvl, "webhook refused: "+msg, attrs...)
		return webhook.Event{}, log, Respond(status, Result{Error: code, Message: msg}), false
	}
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return refuse(http.StatusMethodNotAllowed, "method_not_allowed", "webhooks are POSTed", slog.LevelWarn)
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return refuse(http.StatusBadRequest, "bad_body", "body is not valid base64", slog.LevelWarn)
		}
		body = b
	}
	var secrets []string
	if r.Secrets != nil {
		s, err := r.Secrets(ctx)
		if err != nil {
			return refuse(http.StatusServiceUnavailable, "secret_unavailable", "webhook secret unavailable", slog.LevelError, "error", err.Error())
		}
		secrets = s
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	err := webhook.VerifyAny(secrets, Header(req, webhook.HeaderSignature), body, now, r.Tolerance)
	switch {
	case errors.Is(err, webhook.ErrNoSecret):
		return refuse(http.StatusServiceUnavailable, "not_configured", "webhooks are not configured (set WEBHOOK_SECRET or WEBHOOK_SECRET_ARN)", slog.LevelError)
	case err != nil:
		return refuse(http.StatusUnauthorized, "invalid_signature", err.Error(), slog.LevelWarn)
	}
	ev, err = webhook.ParseEvent(body)
	if err != nil {
		return refuse(http.StatusBadRequest, "invalid_event", err.Error(), slog.LevelWarn)
	}
	log = base.With("eventId", ev.ID, "eventType", ev.Type, "tenant", ev.Tenant, "application", ev.Data.Application, "account", ev.Data.Account)
	return ev, log, events.LambdaFunctionURLResponse{}, true
}

package iam

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// WebhookResult is the JSON body of a webhook answer.
type WebhookResult struct {
	// Error is a machine code on 4xx/5xx answers.
	Error string `json:"error,omitempty"`
	// Message explains errors and ignored events.
	Message string `json:"message,omitempty"`
	// Event is the event id.
	Event string `json:"event,omitempty"`
	// Action is what was done: "locked", "unlocked", "unchanged", "stale"
	// or "ignored".
	Action string `json:"action,omitempty"`
	// Changes are the IAM changes made.
	Changes []string `json:"changes,omitempty"`
}

func urlResponse(status int, body WebhookResult) events.LambdaFunctionURLResponse {
	b, _ := json.Marshal(body)
	return events.LambdaFunctionURLResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
}

// header returns a request header; function URLs deliver lower-case names.
func header(req events.LambdaFunctionURLRequest, name string) string {
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

// webhook handles one delivery to the function URL. Errors become HTTP
// answers: the function URL caller is deadbolt's outbox, which retries on
// 5xx.
func (h *Handler) webhook(ctx context.Context, req events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	// Until the body is verified and parsed, the event is named by its
	// headers; after, by the event itself (each key once per line).
	base := h.log.With("kind", "webhook", "ip", req.RequestContext.HTTP.SourceIP)
	log := base.With("eventId", header(req, webhook.HeaderEventID), "eventType", header(req, webhook.HeaderEventType))
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return urlResponse(http.StatusMethodNotAllowed, WebhookResult{Error: "method_not_allowed", Message: "webhooks are POSTed"})
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			log.WarnContext(ctx, "webhook refused: body is not valid base64")
			return urlResponse(http.StatusBadRequest, WebhookResult{Error: "bad_body", Message: "body is not valid base64"})
		}
		body = b
	}
	var secrets []string
	if h.cfg.WebhookSecrets != nil {
		s, err := h.cfg.WebhookSecrets(ctx)
		if err != nil {
			log.ErrorContext(ctx, "webhook refused: cannot read the webhook secret", "error", err.Error())
			return urlResponse(http.StatusServiceUnavailable, WebhookResult{Error: "secret_unavailable", Message: "webhook secret unavailable"})
		}
		secrets = s
	}
	err := webhook.VerifyAny(secrets, header(req, webhook.HeaderSignature), body, h.cfg.Now(), h.cfg.WebhookTolerance)
	switch {
	case errors.Is(err, webhook.ErrNoSecret):
		log.ErrorContext(ctx, "webhook refused: set WEBHOOK_SECRET or WEBHOOK_SECRET_ARN to accept webhooks")
		return urlResponse(http.StatusServiceUnavailable, WebhookResult{Error: "not_configured", Message: "webhooks are not configured"})
	case err != nil:
		log.WarnContext(ctx, "webhook refused: bad signature", "reason", err.Error())
		return urlResponse(http.StatusUnauthorized, WebhookResult{Error: "invalid_signature", Message: err.Error()})
	}
	ev, err := webhook.ParseEvent(body)
	if err != nil {
		log.WarnContext(ctx, "webhook refused: not an event", "reason", err.Error())
		return urlResponse(http.StatusBadRequest, WebhookResult{Error: "invalid_event", Message: err.Error()})
	}
	log = base.With("eventId", ev.ID, "eventType", ev.Type, "tenant", ev.Tenant, "application", ev.Data.Application, "account", ev.Data.Account)
	res := WebhookResult{Event: ev.ID}
	ignore := func(msg string, lvl slog.Level) events.LambdaFunctionURLResponse {
		log.Log(ctx, lvl, "webhook ignored: "+msg)
		res.Action, res.Message = "ignored", msg
		return urlResponse(http.StatusOK, res)
	}
	if ev.Data.Application != h.cfg.AppURI {
		return ignore("event is for another application", slog.LevelInfo)
	}
	p, err := iamstate.ParseAccount(ev.Data.Account)
	if err != nil {
		return ignore("account is not an IAM user or role name", slog.LevelWarn)
	}
	asOf := ev.At
	if asOf.IsZero() {
		asOf = h.cfg.Now()
	}
	r, err := h.enf.Apply(ctx, p, ev.Data.Locked, asOf)
	switch {
	case errors.Is(err, iamstate.ErrUnknownPrincipal):
		return ignore("no such IAM "+p.Kind.String(), slog.LevelWarn)
	case err != nil:
		log.ErrorContext(ctx, "webhook: applying the lock state failed", "error", err.Error())
		return urlResponse(http.StatusInternalServerError, WebhookResult{Error: "apply_failed", Event: ev.ID, Message: "applying the state to IAM failed; retry"})
	}
	res.Action, res.Changes = action(r), r.Changes
	log.InfoContext(ctx, "webhook applied", "principal", p.String(), "locked", ev.Data.Locked, "action", res.Action, "changes", r.Changes)
	return urlResponse(http.StatusOK, res)
}

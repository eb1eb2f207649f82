package iam

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
	"github.com/deadbolt-dev/deadbolt/internal/aws/urlhook"
)

// WebhookResult is the JSON body of a webhook answer.
type WebhookResult = urlhook.Result

// webhook handles one delivery to the function URL. Errors become HTTP
// answers: the function URL caller is deadbolt's outbox, which retries on
// 5xx.
func (h *Handler) webhook(ctx context.Context, req events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	recv := urlhook.Receiver{Secrets: h.cfg.WebhookSecrets, Now: h.cfg.Now, Tolerance: h.cfg.WebhookTolerance}
	ev, log, refusal, ok := recv.Receive(ctx, req, h.log)
	if !ok {
		return refusal
	}
	res := WebhookResult{Event: ev.ID}
	ignore := func(msg string, lvl slog.Level) events.LambdaFunctionURLResponse {
		log.Log(ctx, lvl, "webhook ignored: "+msg)
		res.Action, res.Message = "ignored", msg
		return urlhook.Respond(http.StatusOK, res)
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
		return urlhook.Respond(http.StatusInternalServerError, WebhookResult{Error: "apply_failed", Event: ev.ID, Message: "applying the state to IAM failed; retry"})
	}
	res.Action, res.Changes = action(r), r.Changes
	log.InfoContext(ctx, "webhook applied", "principal", p.String(), "locked", ev.Data.Locked, "action", res.Action, "changes", r.Changes)
	return urlhook.Respond(http.StatusOK, res)
}

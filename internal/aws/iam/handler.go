package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
)

// IntegrationType is sent as integrationType with every check, as NL3's
// IAM sample does.
const IntegrationType = "awsiamuser"

// Error kinds; test for them with errors.Is.
var (
	// ErrEvent: the input is not an event this function handles.
	ErrEvent = errors.New("iam: unsupported or malformed event")
	// ErrUndecided: a sign-in event's lock check could not decide; the fail
	// mode was applied and the invocation fails so Lambda retries it.
	ErrUndecided = errors.New("iam: lock check undecided")
	// ErrReconcile: reconcile could not bring some principals to their
	// state (each is logged); the others were handled.
	ErrReconcile = errors.New("iam: reconcile incomplete")
)

// Checker asks deadbolt whether an account is locked. *client.Client and
// *lambdaenv.Checker implement it; errors wrap client.ErrUndecided when the
// check could not decide. Implementations are safe for concurrent use.
type Checker interface {
	Check(ctx context.Context, account string, cc client.Context) (client.Decision, error)
}

// Enforcer applies lock states to IAM principals; *iamstate.Enforcer
// implements it. Implementations are safe for concurrent use.
type Enforcer interface {
	Apply(ctx context.Context, p iamstate.Principal, locked bool, asOf time.Time) (iamstate.Result, error)
	Protected(ctx context.Context) ([]iamstate.Principal, error)
}

// Config configures a Handler.
type Config struct {
	// FailMode applies when a sign-in event's check cannot decide; empty
	// means closed.
	FailMode client.FailMode
	// AppURI is the application's issuer; webhook events for other
	// applications are ignored.
	AppURI string
	// WebhookSecrets returns the secrets that verify webhooks (several
	// during a rotation); nil, or no secrets, refuses webhooks.
	WebhookSecrets func(ctx context.Context) ([]string, error)
	// WebhookTolerance bounds the age of a webhook signature; default
	// webhook.DefaultTolerance.
	WebhookTolerance time.Duration
	// Principals are the account names reconcile visits; empty means the
	// Enforcer's Protected principals.
	Principals []string
	// Concurrency bounds reconcile's parallel principals; default 4.
	Concurrency int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Handler handles the IAM function's events. It is safe for concurrent use.
type Handler struct {
	cfg   Config
	check Checker
	enf   Enforcer
	log   *slog.Logger
}

// New returns a Handler. log may be nil.
func New(cfg Config, check Checker, enf Enforcer, log *slog.Logger) *Handler {
	if cfg.FailMode == "" {
		cfg.FailMode = client.FailClosed
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, check: check, enf: enf, log: log}
}

// Outcome is the handler's answer to a sign-in or AssumeRole event, and
// one entry of a reconcile.
type Outcome struct {
	// Kind is "signin", "assumerole" or "reconcile".
	Kind string `json:"kind"`
	// Account is the deadbolt account name checked.
	Account string `json:"account,omitempty"`
	// Action is "locked", "unlocked", "unchanged", "stale", "ignored",
	// "skipped" (undecided during reconcile) or "failed".
	Action string `json:"action"`
	// Status is the lock check's status.
	Status string `json:"status,omitempty"`
	// Reason explains ignored, skipped and failed outcomes and fail-mode
	// decisions.
	Reason string `json:"reason,omitempty"`
	// Changes are the IAM changes made.
	Changes []string `json:"changes,omitempty"`
}

// probe holds the keys that tell the input kinds apart.
type probe struct {
	DetailType     *string         `json:"detail-type"`
	RequestContext json.RawMessage `json:"requestContext"`
	RawPath        *string         `json:"rawPath"`
	Action         string          `json:"action"`
}

// Handle processes one input: an EventBridge event, a function URL request
// or {"action":"reconcile"}.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var p probe
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, h.malformed(ctx, "malformed input", err)
	}
	switch {
	case p.DetailType != nil:
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, h.malformed(ctx, "malformed EventBridge event", err)
		}
		return h.eventBridge(ctx, ev)
	case p.RequestContext != nil && p.RawPath != nil:
		var req events.LambdaFunctionURLRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, h.malformed(ctx, "malformed function URL request", err)
		}
		return h.webhook(ctx, req), nil
	case p.Action == "reconcile":
		return h.Reconcile(ctx)
	}
	h.log.ErrorContext(ctx, "unsupported input: expected an EventBridge event, a function URL request or {\"action\":\"reconcile\"}")
	return nil, fmt.Errorf("%w: not an EventBridge event, function URL request or reconcile action", ErrEvent)
}

// malformed logs msg about an input that does not decode and returns the
// error that refuses it (ErrEvent).
func (h *Handler) malformed(ctx context.Context, msg string, err error) error {
	h.log.ErrorContext(ctx, msg, "error", err.Error())
	return fmt.Errorf("%w: %w", ErrEvent, err)
}

func (h *Handler) eventBridge(ctx context.Context, ev events.EventBridgeEvent) (any, error) {
	if ev.DetailType == DetailScheduled {
		return h.Reconcile(ctx)
	}
	var d Detail
	if len(ev.Detail) > 0 {
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			h.log.ErrorContext(ctx, "malformed CloudTrail detail", "source", ev.Source, "detailType", ev.DetailType, "error", err.Error())
			return nil, fmt.Errorf("%w: detail: %w", ErrEvent, err)
		}
	}
	log := h.log.With("eventId", ev.ID, "source", ev.Source, "eventName", d.EventName, "cloudTrailEventId", d.EventID,
		"identityType", d.UserIdentity.Type, "arn", d.UserIdentity.ARN, "ip", d.SourceIPAddress)
	switch {
	case ev.Source == SourceSignIn && ev.DetailType == DetailSignIn && d.EventName == EventConsoleLogin:
		return h.signIn(ctx, d, log)
	case ev.Source == SourceSTS && ev.DetailType == DetailAPICall && assumeEvents[d.EventName]:
		return h.assumeRole(ctx, d, log)
	}
	log.InfoContext(ctx, "event ignored: not a console sign-in or AssumeRole", "detailType", ev.DetailType)
	return Outcome{Kind: "event", Action: "ignored", Reason: "not a console sign-in or AssumeRole event"}, nil
}

func ignored(ctx context.Context, log *slog.Logger, kind, reason string, level slog.Level) (Outcome, error) {
	log.Log(ctx, level, "event ignored: "+reason)
	return Outcome{Kind: kind, Action: "ignored", Reason: reason}, nil
}

func (h *Handler) signIn(ctx context.Context, d Detail, log *slog.Logger) (Outcome, error) {
	const kind = "signin"
	if r := d.consoleLogin(); r != "Success" {
		log = log.With("userName", d.UserIdentity.UserName, "consoleLogin", r, "errorMessage", d.ErrorMessage)
		return ignored(ctx, log, kind, "failed console sign-in", slog.LevelWarn)
	}
	var p iamstate.Principal
	switch d.UserIdentity.Type {
	case IdentityIAMUser:
		name := d.UserIdentity.UserName
		if name == "" || name == HiddenUserName {
			return ignored(ctx, log, kind, "console sign-in without a user name", slog.LevelWarn)
		}
		p = iamstate.Principal{Kind: iamstate.User, Name: name}
	case IdentityAssumed:
		role := d.UserIdentity.roleSessionRole()
		if role == "" {
			return ignored(ctx, log, kind, "role session without a role name", slog.LevelWarn)
		}
		p = iamstate.Principal{Kind: iamstate.Role, Name: role}
	case IdentityRoot:
		return ignored(ctx, log, kind, "root user sign-in: IAM policies cannot restrict the root user", slog.LevelWarn)
	default:
		return ignored(ctx, log, kind, "identity type "+d.UserIdentity.Type+" is not an IAM user or role session", slog.LevelInfo)
	}
	return h.enforce(ctx, kind, p, d, log)
}

func (h *Handler) assumeRole(ctx context.Context, d Detail, log *slog.Logger) (Outcome, error) {
	const kind = "assumerole"
	if d.ErrorCode != "" {
		return ignored(ctx, log.With("errorCode", d.ErrorCode), kind, "failed "+d.EventName+" call", slog.LevelInfo)
	}
	if d.UserIdentity.Type == IdentityAWSService {
		return ignored(ctx, log, kind, "role assumed by an AWS service", slog.LevelDebug)
	}
	name, serviceLinked := roleName(d.roleARN())
	switch {
	case name == "":
		return ignored(ctx, log, kind, "no requestParameters.roleArn", slog.LevelWarn)
	case serviceLinked:
		return ignored(ctx, log, kind, "service-linked role", slog.LevelDebug)
	}
	return h.enforce(ctx, kind, iamstate.Principal{Kind: iamstate.Role, Name: name}, d, log)
}

// enforce checks p and applies the answer (or the fail mode).
func (h *Handler) enforce(ctx context.Context, kind string, p iamstate.Principal, d Detail, log *slog.Logger) (Outcome, error) {
	account := p.Account()
	log = log.With("principal", p.String(), "account", account)
	out := Outcome{Kind: kind, Account: account}
	asOf := h.cfg.Now()
	dec, err := h.check.Check(ctx, account, client.Context{
		IP:     d.SourceIPAddress,
		Device: d.UserAgent,
		IntegrationData: map[string]any{
			"eventName": d.EventName, "eventID": d.EventID, "eventSource": d.EventSource, "awsRegion": d.AWSRegion,
			"awsAccount": d.RecipientAccountID, "identityType": d.UserIdentity.Type, "arn": d.UserIdentity.ARN,
			"principal": p.String(), "mfaUsed": d.mfaUsed(),
		},
	})
	var undecided error
	locked := dec.Locked
	switch {
	case err == nil:
		out.Status = dec.Status
	case errors.Is(err, client.ErrUndecided) && h.cfg.FailMode == client.FailOpen:
		log.WarnContext(ctx, "lock check undecided; IAM left unchanged (FAIL_MODE=open)", "reason", err.Error())
		out.Action, out.Reason = "unchanged", "lock check undecided, fail mode open: "+err.Error()
		return out, fmt.Errorf("%w: %s: %w", ErrUndecided, account, err)
	case errors.Is(err, client.ErrUndecided):
		log.ErrorContext(ctx, "lock check undecided; locking (FAIL_MODE=closed)", "reason", err.Error())
		undecided = fmt.Errorf("%w: %s: %w", ErrUndecided, account, err)
		out.Reason = "lock check undecided, fail mode closed: " + err.Error()
		locked = true
	default:
		log.ErrorContext(ctx, "lock check failed", "error", err.Error())
		return Outcome{Kind: kind, Account: account, Action: "failed", Reason: err.Error()}, fmt.Errorf("iam: check %s: %w", account, err)
	}
	res, err := h.enf.Apply(ctx, p, locked, asOf)
	if errors.Is(err, iamstate.ErrUnknownPrincipal) {
		return ignored(ctx, log.With("error", err.Error()), kind, "no such IAM "+p.Kind.String(), slog.LevelWarn)
	}
	if err != nil {
		log.ErrorContext(ctx, "applying the lock state failed", "locked", locked, "error", err.Error())
		return Outcome{Kind: kind, Account: account, Action: "failed", Reason: err.Error()}, fmt.Errorf("iam: apply to %s: %w", p, err)
	}
	out.Action, out.Changes = action(res), res.Changes
	log.InfoContext(ctx, "lock state applied", "locked", locked, "status", out.Status, "action", out.Action,
		"changes", res.Changes, "sessionID", dec.SessionID)
	return out, undecided
}

// action names what an Apply did.
func action(r iamstate.Result) string {
	switch {
	case r.Stale:
		return "stale"
	case len(r.Changes) == 0:
		return "unchanged"
	case r.Locked:
		return "locked"
	default:
		return "unlocked"
	}
}

package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/deadbolt-dev/deadbolt/client"
)

// Trigger sources this handler serves.
const (
	TriggerPreAuthentication  = "PreAuthentication_Authentication"
	TriggerPostAuthentication = "PostAuthentication_Authentication"
)

// IntegrationType is sent as integrationType with every check, as NL3's
// Cognito sample does.
const IntegrationType = "cognito"

// Error kinds; test for them with errors.Is.
var (
	// ErrLocked: deadbolt says the account is locked.
	ErrLocked = errors.New("cognito: account is locked")
	// ErrUndecided: the check could not decide and the fail mode is closed.
	ErrUndecided = errors.New("cognito: lock check undecided, failing closed")
	// ErrEvent: the event is malformed or from an unsupported trigger.
	ErrEvent = errors.New("cognito: unsupported or malformed event")
)

// Denial is the error that refuses a sign-in. Its text is exactly the
// configured locked message, because Cognito shows the error text to the
// client; the kind (ErrLocked or ErrUndecided) and the cause are reachable
// through errors.Is and errors.As.
type Denial struct {
	// Message is the text the client sees.
	Message string
	kind    error
	cause   error
}

// Error returns Message.
func (d *Denial) Error() string { return d.Message }

// Unwrap returns the kind and, when there is one, the cause.
func (d *Denial) Unwrap() []error {
	if d.cause == nil {
		return []error{d.kind}
	}
	return []error{d.kind, d.cause}
}

// Checker asks deadbolt whether an account is locked. *client.Client and
// *lambdaenv.Checker implement it. Implementations are safe for concurrent
// use; their errors wrap client.ErrUndecided when the check could not
// decide.
type Checker interface {
	Check(ctx context.Context, account string, cc client.Context) (client.Decision, error)
}

// Config configures a Handler.
type Config struct {
	// ClientIDs are the app clients whose sign-ins are checked; empty
	// means all.
	ClientIDs []string
	// LockedMessage is the text of a denial.
	LockedMessage string
	// FailMode applies when a check cannot decide; empty means closed.
	FailMode client.FailMode
	// AccountAttribute, when set, names the user attribute whose value is
	// the deadbolt account name (for example "email"); otherwise the
	// Cognito user name is.
	AccountAttribute string
}

// Handler handles Cognito authentication trigger events. It is safe for
// concurrent use.
type Handler struct {
	cfg   Config
	check Checker
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Handler. log may be nil (no logging).
func New(cfg Config, check Checker, log *slog.Logger) *Handler {
	if cfg.FailMode == "" {
		cfg.FailMode = client.FailClosed
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, check: check, log: log, now: time.Now}
}

// header is what every user pool trigger event carries; it is decoded first
// to choose the event type.
type header struct {
	TriggerSource string `json:"triggerSource"`
}

// attempt is one sign-in, whichever trigger reported it.
type attempt struct {
	trigger  string
	userName string
	attrs    map[string]string
	pool     string
	clientID string
	region   string
	notFound bool
	data     map[string]string // validationData or clientMetadata
}

// Handle processes one trigger event. It returns the event unchanged to let
// the sign-in proceed, or an error to refuse it.
func (h *Handler) Handle(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
	var hd header
	if err := json.Unmarshal(event, &hd); err != nil {
		return nil, h.malformed(ctx, err)
	}
	var a attempt
	switch hd.TriggerSource {
	case TriggerPreAuthentication:
		var e events.CognitoEventUserPoolsPreAuthentication
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, h.malformed(ctx, err, "trigger", hd.TriggerSource)
		}
		a = attempt{trigger: e.TriggerSource, userName: e.UserName, attrs: e.Request.UserAttributes,
			pool: e.UserPoolID, clientID: e.CallerContext.ClientID, region: e.Region,
			notFound: e.Request.UserNotFound, data: e.Request.ValidationData}
	case TriggerPostAuthentication:
		var e events.CognitoEventUserPoolsPostAuthentication
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, h.malformed(ctx, err, "trigger", hd.TriggerSource)
		}
		a = attempt{trigger: e.TriggerSource, userName: e.UserName, attrs: e.Request.UserAttributes,
			pool: e.UserPoolID, clientID: e.CallerContext.ClientID, region: e.Region,
			data: e.Request.ClientMetadata}
	default:
		h.log.ErrorContext(ctx, "unsupported trigger; attach this function to PreAuthentication or PostAuthentication only",
			"trigger", hd.TriggerSource)
		return nil, fmt.Errorf("%w: trigger source %.60q", ErrEvent, hd.TriggerSource)
	}
	if err := h.decide(ctx, a); err != nil {
		return nil, err
	}
	return event, nil
}

// malformed logs, with attrs, an event that does not decode, and returns
// the error that refuses it (ErrEvent).
func (h *Handler) malformed(ctx context.Context, err error, attrs ...any) error {
	h.log.ErrorContext(ctx, "malformed event", append(attrs, "error", err.Error())...)
	return fmt.Errorf("%w: %w", ErrEvent, err)
}

// decide checks one attempt and returns nil to allow it.
func (h *Handler) decide(ctx context.Context, a attempt) error {
	log := h.log.With("trigger", a.trigger, "userName", a.userName, "clientId", a.clientID, "userPoolId", a.pool)
	if len(h.cfg.ClientIDs) > 0 && !slices.Contains(h.cfg.ClientIDs, a.clientID) {
		log.DebugContext(ctx, "app client not protected; allowed without a check")
		return nil
	}
	if a.notFound {
		log.InfoContext(ctx, "user not found; Cognito fails this sign-in itself, no check made")
		return nil
	}
	account := a.userName
	if h.cfg.AccountAttribute != "" {
		if v := a.attrs[h.cfg.AccountAttribute]; v != "" {
			account = v
		} else {
			log.WarnContext(ctx, "account attribute missing; using the user name", "attribute", h.cfg.AccountAttribute)
		}
	}
	cc := h.context(ctx, a, log)
	start := h.now()
	d, err := h.check.Check(ctx, account, cc)
	elapsed := float64(h.now().Sub(start).Microseconds()) / 1000
	log = log.With("account", account, "ip", cc.IP, "checkMs", elapsed)
	switch {
	case err == nil && !d.Locked:
		log.InfoContext(ctx, "sign-in allowed", "status", d.Status, "sessionID", d.SessionID)
		return nil
	case err == nil:
		log.InfoContext(ctx, "sign-in denied: account locked", "status", d.Status, "sessionID", d.SessionID)
		return &Denial{Message: h.cfg.LockedMessage, kind: ErrLocked}
	case errors.Is(err, client.ErrUndecided) && h.cfg.FailMode == client.FailOpen:
		log.WarnContext(ctx, "lock check undecided; sign-in allowed (FAIL_MODE=open)", "reason", err.Error())
		return nil
	default:
		log.ErrorContext(ctx, "lock check undecided; sign-in denied (FAIL_MODE=closed)", "reason", err.Error())
		return &Denial{Message: h.cfg.LockedMessage, kind: ErrUndecided, cause: err}
	}
}

// context builds the check context from the client's metadata.
func (h *Handler) context(ctx context.Context, a attempt, log *slog.Logger) client.Context {
	cc := client.Context{IP: a.data["ip"], Device: a.data["device"], Location: a.data["location"]}
	data := map[string]any{"trigger": a.trigger, "userPoolId": a.pool, "clientId": a.clientID, "region": a.region}
	if raw, ok := a.data["additionalData"]; ok && raw != "" {
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			log.WarnContext(ctx, "validationData.additionalData is not valid JSON; sent as a string", "error", err.Error())
			data["additionalData"] = raw
		} else {
			data["additionalData"] = v
			// NL3 clients put the device location in additionalData.loc.
			if m, ok := v.(map[string]any); ok && cc.Location == "" {
				if loc, ok := m["loc"].(string); ok {
					cc.Location = loc
				}
			}
		}
	}
	cc.IntegrationData = data
	return cc
}

package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/metrics"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
)

// MaxBody is the largest lock-check body accepted.
const MaxBody = 64 << 10

// Paths of the lock check.
const (
	PathProtectionCheck = "/nl3/api/v1/accountProtectionCheck"
	PathSDKLockCheck    = "/nl3/api/v1/sdk/accountLockCheck"
	PathCheck           = "/v1/check"
)

// Deps are the API's collaborators.
type Deps struct {
	Check   *check.Service
	Log     *slog.Logger
	Metrics *metrics.Metrics
	// Limiter throttles client addresses whose tokens keep failing; nil
	// disables it. Only failures spend from it and only failures are
	// refused: a token that verifies is always answered.
	Limiter *ratelimit.Limiter
	// BreakGlass takes devices' reports of offline break-glass codes;
	// nil leaves the route out.
	BreakGlass *breakglass.Service
	// Approvals takes applications' approval requests for any operation
	// (NL3 approvalRequest); nil leaves the routes out.
	Approvals *approval.Service
}

// API is the machine-facing HTTP API.
type API struct{ d Deps }

// New returns the API.
func New(d Deps) *API { return &API{d: d} }

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, p := range []string{PathProtectionCheck, PathSDKLockCheck, PathCheck} {
		sdk := p == PathSDKLockCheck
		mux.Handle("POST "+p, httpx.Wrap(a.d.Log, func(w http.ResponseWriter, r *http.Request) error {
			return a.check(w, r, sdk)
		}))
	}
	if a.d.BreakGlass != nil {
		mux.Handle("POST "+breakglass.ReportPath, httpx.Wrap(a.d.Log, a.breakGlassReport))
	}
	if a.d.Approvals != nil {
		mux.Handle("POST "+PathApprovalRequest, httpx.Wrap(a.d.Log, a.approvalRequest))
		mux.Handle("GET "+PathApprovalRequestID, httpx.Wrap(a.d.Log, a.approvalRequestStatus))
	}
}

// CheckBody is the lock-check request body. Context fields accept a JSON
// string or any other JSON value (kept as compact JSON text), because
// integrations differ in what they send.
type CheckBody struct {
	UserIP          Text            `json:"userIP"`
	UserDevice      Text            `json:"userDevice"`
	UserLocation    Text            `json:"userLocation"`
	IntegrationType Text            `json:"integrationType"`
	IntegrationData json.RawMessage `json:"integrationData"`
	// UserAccountID (NL3 SDK path only) names the account: the token's
	// own sub, or any account when the application lets its server name
	// accounts (see check.Request.Account).
	UserAccountID Text `json:"userAccountId"`
	// NL3UserToken (NL3 SDK path only) names the account by the reference
	// enableUser returned, when userAccountId is absent, under the same
	// rule.
	NL3UserToken Text `json:"nl3UserToken"`
	// Peek (deadbolt's own) asks for the decision without side effects:
	// no once-unlock is used up and no unlock request raised.
	Peek bool `json:"peek"`
}

// CheckAnswer is the 200 answer. Field order matches Next Level3's.
type CheckAnswer struct {
	Locked    bool   `json:"locked"`
	Status    string `json:"status"`
	Message   string `json:"message"`
	SessionID string `json:"sessionID"`
}

// Text is a body field that takes a JSON string as is and any other JSON
// value as its compact text; null is empty.
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	if plainString(b) {
		*t = Text(b[1 : len(b)-1])
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	*t = Text(buf.String())
	return nil
}

// plainString reports whether b is a JSON string that decodes to its own
// inside: quoted, with no escape, quote or control character inside, and
// valid UTF-8 (encoding/json replaces invalid bytes with U+FFFD). Most
// body fields are; the rest go through json.Unmarshal.
func plainString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	in := b[1 : len(b)-1]
	for _, c := range in {
		if c < ' ' || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(in)
}

func (a *API) check(w http.ResponseWriter, r *http.Request, sdk bool) (err error) {
	start := time.Now()
	defer func() {
		if a.d.Metrics != nil {
			a.d.Metrics.CheckSeconds.Observe(time.Since(start).Seconds())
		}
	}()
	var body CheckBody
	if err := httpx.DecodeJSON(r, MaxBody, &body); err != nil {
		a.count("error", httpx.ErrorOf(err).Code)
		return err
	}
	// check.Service.Check bounds every context field (check.Bound).
	req := check.Request{
		Token:            httpx.AuthToken(r),
		BodyNamesAccount: sdk,
		Account:          string(body.UserAccountID),
		UserToken:        string(body.NL3UserToken),
		IP:               string(body.UserIP),
		Device:           or(string(body.UserDevice), r.Header.Get("User-Agent")),
		Location:         or(string(body.UserLocation), r.Header.Get("X-Nl3-Device-Location")),
		IntegrationType:  string(body.IntegrationType),
		IntegrationData:  string(body.IntegrationData),
		Peek:             body.Peek,
	}
	if req.IP == "" {
		req.IP = clientaddr.Of(r)
	}
	if req.Token == "" {
		a.count("error", "token_missing")
		return httpx.Errorf(http.StatusUnauthorized, "token_missing",
			"no lock-check token: send the application's JWT in the x-nl3-authorization-token header (or Authorization: Bearer)")
	}
	res, err := a.d.Check.Check(r.Context(), req)
	if err != nil {
		herr := a.limitFailedToken(r, err)
		a.count("error", herr.Code)
		return herr
	}
	decision := "unlocked"
	if res.Locked {
		decision = "locked"
	}
	a.count(decision, string(res.Status))
	httpx.WriteJSON(w, http.StatusOK, CheckAnswer{
		Locked: res.Locked, Status: string(res.Status), Message: res.Message, SessionID: res.SessionID,
	})
	return nil
}

// limitFailedToken passes err through the failed-token limiter: only a
// failed token (401) spends, and only a failed token is refused, so past
// its budget an address gets 429 without the detail of what failed. Every
// route authenticated by an application's token uses it.
func (a *API) limitFailedToken(r *http.Request, err error) *httpx.Error {
	herr := httpx.ErrorOf(err)
	if a.d.Limiter == nil || herr.Status != http.StatusUnauthorized {
		return herr
	}
	key := ratelimit.Key(clientaddr.Of(r))
	if a.d.Limiter.Allow(key) {
		return herr
	}
	wait, _ := a.d.Limiter.Wait(key)
	return &httpx.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many failed tokens from this address; retry later", RetryAfter: max(wait, time.Second), Cause: err}
}

func (a *API) count(decision, status string) {
	if a.d.Metrics != nil {
		a.d.Metrics.CountCheck(decision, status)
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/oidc"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// Messages of the failure classes whose words do not come from the error.
const (
	msgKeyUnusable = "the signing key this token names cannot be used by this server: its secret was sealed " +
		"under another master key, or its public key does not parse. deadbolt did not decide; apply your fail mode. " +
		"Fix: start this server with the master key the key was created under, or revoke and delete the key " +
		"(deadbolt key revoke KID, then deadbolt key delete KID) and sign with another"
	msgMasterKey = "the master key this server was started with is not the one this database's secrets are sealed " +
		"under; nothing was decided or changed. Fix: start every node and the CLI with the original master key " +
		"(docs/deploy.md, \"The master key\")"
	msgPolicyInvalid = "a policy of this account's tenant does not validate, so deadbolt did not decide; apply your " +
		"fail mode. Fix: deadbolt policy list and policy show name the problem; correct, disable or delete the policy"
	msgUnavailable = "deadbolt could not reach its database, so nothing was decided or changed; retry shortly " +
		"(a lock check applies its fail mode)"
	msgInternal = "internal error; nothing was decided or changed"
)

// ErrorOf is the one place that maps an error to what a client sees: the
// HTTP status, the stable code and a plain message. The lock-check API,
// enablement, the portal's JSON and pages and /readyz all answer through
// it. The cause stays in Cause, for the log.
//
// The classes, most specific first:
//
//	*Error in the chain          itself
//	token.ErrInvalid             401, the token kind's code (token_expired, ...)
//	check.ErrKeyUnusable,
//	token.ErrBadKey              500 key_unusable: an operator's key problem, never an outage
//	store.ErrMasterKey           500 key_unusable: the wrong master key
//	policy.ErrInvalid            500 policy_invalid: a tenant's policies do not compile
//	check.ErrAppDisabled         403 application_disabled
//	check.ErrAccountNotPermitted 403 account_not_permitted
//	apitoken.ErrUnauthenticated  401 unauthenticated (API token missing, unknown, revoked, expired)
//	apitoken.ErrScope            403 insufficient_scope
//	admin.ErrForbidden           403 forbidden
//	access.ErrOwnedByAnother     409 owned_by_another
//	admin.ErrEmailUnverified     409 member_unverified
//	access.ErrRequestClosed      409 request_closed
//	access.ErrTooLong            400 too_long
//	access.ErrOutsideWindow      403 outside_unlock_window
//	admin.ErrNotExecutable       409 not_executable
//	admin.ErrNotLiftable         409 not_liftable
//	access.ErrApprovalRequired   403 approval_required
//	approval.ErrNotApprover      403 not_approver
//	approval.ErrSelfApproval     403 self_approval
//	approval.ErrSameActor        403 same_actor
//	approval.ErrSignatureRequired 403 signature_required
//	approval.ErrNoApproval       409 no_approval_policy
//	checklog.ErrClosed           503 shutting_down
//	store.ErrUnavailable,
//	context deadline or cancel   503 store_unavailable
//	store.ErrNotFound            404 not_found
//	store.ErrConflict            409 conflict
//	store.ErrInvalid,
//	oidc.ErrInvalidClient        400 invalid
//	anything else                500 internal
//
// Messages of 4xx store and domain errors are store.Message(err): the
// store's words for people, or the domain package's own.
func ErrorOf(err error) *Error {
	var he *Error
	var status int
	var code, msg string
	var retry time.Duration
	switch {
	case errors.As(err, &he):
		return he
	case errors.Is(err, token.ErrInvalid):
		status, code, msg = http.StatusUnauthorized, token.Code(err), token.Message(err)
	case errors.Is(err, check.ErrKeyUnusable), errors.Is(err, token.ErrBadKey):
		status, code, msg = http.StatusInternalServerError, "key_unusable", msgKeyUnusable
	case errors.Is(err, store.ErrMasterKey):
		status, code, msg = http.StatusInternalServerError, "key_unusable", msgMasterKey
	case errors.Is(err, policy.ErrInvalid):
		status, code, msg = http.StatusInternalServerError, "policy_invalid", msgPolicyInvalid
	case errors.Is(err, check.ErrAppDisabled):
		status, code, msg = http.StatusForbidden, "application_disabled", "the application is disabled in deadbolt"
	case errors.Is(err, check.ErrAccountNotPermitted):
		status, code, msg = http.StatusForbidden, "account_not_permitted",
			"the body names another account than the token's sub; the token's sub names the account unless the "+
				"application lets its server name accounts (deadbolt app set --server-names-accounts)"
	case errors.Is(err, apitoken.ErrUnauthenticated):
		status, code, msg = http.StatusUnauthorized, "unauthenticated", after(err, apitoken.ErrUnauthenticated)
	case errors.Is(err, apitoken.ErrScope):
		status, code, msg = http.StatusForbidden, "insufficient_scope", after(err, apitoken.ErrScope)
	case errors.Is(err, oidc.ErrInvalidClient):
		status, code, msg = http.StatusBadRequest, "invalid", after(err, oidc.ErrInvalidClient)
	case errors.Is(err, admin.ErrForbidden):
		status, code, msg = http.StatusForbidden, "forbidden", lastPart(err.Error())
	case errors.Is(err, access.ErrOwnedByAnother):
		status, code, msg = http.StatusConflict, "owned_by_another", "the account is linked to another member; nothing was changed"
	case errors.Is(err, admin.ErrEmailUnverified):
		status, code, msg = http.StatusConflict, "member_unverified", store.Message(err)
	case errors.Is(err, access.ErrRequestClosed):
		status, code, msg = http.StatusConflict, "request_closed", "the unlock request was already answered or has expired"
	case errors.Is(err, access.ErrOutsideWindow):
		status, code, msg = http.StatusForbidden, "outside_unlock_window", store.Message(err)
	case errors.Is(err, admin.ErrNotExecutable):
		status, code, msg = http.StatusConflict, "not_executable", store.Message(err)
	case errors.Is(err, admin.ErrNotLiftable):
		status, code, msg = http.StatusConflict, "not_liftable", store.Message(err)
	case errors.Is(err, access.ErrApprovalRequired):
		status, code, msg = http.StatusForbidden, "approval_required", store.Message(err)
	case errors.Is(err, approval.ErrNotApprover):
		status, code, msg = http.StatusForbidden, "not_approver", "you are not an approver of this request"
	case errors.Is(err, approval.ErrSelfApproval):
		status, code, msg = http.StatusForbidden, "self_approval", "the policy does not let you approve your own access"
	case errors.Is(err, approval.ErrSameActor):
		status, code, msg = http.StatusForbidden, "same_actor", "one actor votes once on a request: this one (the same API token, say) has voted on it already"
	case errors.Is(err, approval.ErrSignatureRequired):
		status, code, msg = http.StatusForbidden, "signature_required", "the policy requires an approval signed with your passkey"
	case errors.Is(err, approval.ErrNoApproval):
		status, code, msg = http.StatusConflict, "no_approval_policy", "no approval policy applies to the account: its owner unlocks it"
	case errors.Is(err, access.ErrTooLong):
		status, code, msg = http.StatusBadRequest, "too_long", store.Message(err)
	case errors.Is(err, checklog.ErrClosed):
		status, code, msg, retry = http.StatusServiceUnavailable, "shutting_down",
			"the server is shutting down; retry on another node", time.Second
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		status, code, msg, retry = http.StatusServiceUnavailable, "store_unavailable", msgUnavailable, time.Second
	case errors.Is(err, store.ErrNotFound):
		status, code, msg = http.StatusNotFound, "not_found", store.Message(err)
	case errors.Is(err, store.ErrConflict):
		status, code, msg = http.StatusConflict, "conflict", store.Message(err)
	case errors.Is(err, store.ErrInvalid):
		status, code, msg = http.StatusBadRequest, "invalid", store.Message(err)
	default:
		status, code, msg = http.StatusInternalServerError, "internal", msgInternal
	}
	return &Error{Status: status, Code: code, Message: msg, RetryAfter: retry, Cause: err}
}

// after is the text of err after its kind's own words ("kind: what"),
// for errors whose detail itself holds ": ".
func after(err, kind error) string {
	msg := err.Error()
	if i := strings.Index(msg, kind.Error()+": "); i >= 0 {
		return msg[i+len(kind.Error())+2:]
	}
	return msg
}

// lastPart is the text after the last ": " of a wrapped error's message:
// the domain's own sentence, without the context callers put before it.
func lastPart(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// AuthToken is the token of a machine request: the
// x-nl3-authorization-token header, else an Authorization header's Bearer
// token (the scheme in any case, as RFC 9110 says). It is "" when there is
// none.
func AuthToken(r *http.Request) string {
	if t := strings.TrimSpace(r.Header.Get("X-Nl3-Authorization-Token")); t != "" {
		return t
	}
	scheme, t, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if ok && strings.EqualFold(scheme, "bearer") {
		return strings.TrimSpace(t)
	}
	return ""
}

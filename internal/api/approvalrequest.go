package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// Paths of NL3 approval requests for any operation.
const (
	PathApprovalRequest   = "/nl3/api/v1/approvalRequest"
	PathApprovalRequestID = "/nl3/api/v1/approvalRequest/{id}"
)

// ApprovalRequestBody is NL3's approvalRequest body: the template's key
// (templateId), approvers by email that narrow the template's, and the
// metadata that fills its placeholders. A metaData value may be a JSON
// string or any other scalar (kept as its JSON text); objects and arrays
// are refused.
type ApprovalRequestBody struct {
	TemplateID string                     `json:"templateId"`
	Approvers  []string                   `json:"approvers"`
	MetaData   map[string]json.RawMessage `json:"metaData"`
}

// ApprovalRequestAnswer is the answer to POST and GET.
type ApprovalRequestAnswer struct {
	RequestID string             `json:"requestId"`
	Status    string             `json:"status"`
	Decisions []webhook.Decision `json:"decisions,omitempty"`
}

// approvalRequest asks the application's tenant's approvers to approve an
// operation. It is authenticated like a lock check: the application's JWT,
// whose sub is the user the request is about.
func (a *API) approvalRequest(w http.ResponseWriter, r *http.Request) error {
	app, sub, err := a.authenticate(r)
	if err != nil {
		return err
	}
	var body ApprovalRequestBody
	if err := httpx.DecodeJSON(r, MaxBody, &body); err != nil {
		return err
	}
	if body.TemplateID == "" {
		return httpx.Errorf(http.StatusBadRequest, "invalid", "templateId is required: the key of one of the tenant's templates")
	}
	meta := map[string]string{}
	for k, raw := range body.MetaData {
		var t Text
		if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
			return fmt.Errorf("%w: metaData %s is an object or array; send strings or numbers", store.ErrInvalid, k)
		}
		if err := t.UnmarshalJSON(raw); err != nil {
			return fmt.Errorf("%w: metaData %s: %v", store.ErrInvalid, k, err)
		}
		meta[k] = string(t)
	}
	o, err := a.d.Approvals.AskOperation(r.Context(), app, sub, approval.OperationAsk{
		Template: body.TemplateID, Approvers: body.Approvers, MetaData: meta})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, ApprovalRequestAnswer{RequestID: o.ID, Status: o.Status})
	return nil
}

// approvalRequestStatus answers a request's status and decisions to the
// application that made it; any other application's token, of this tenant
// or another, gets 404.
func (a *API) approvalRequestStatus(w http.ResponseWriter, r *http.Request) error {
	app, _, err := a.authenticate(r)
	if err != nil {
		return err
	}
	it, err := a.d.Approvals.ShowOperation(r.Context(), app.TenantID, r.PathValue("id"), store.Member{})
	if err == nil && it.Request.AppID != app.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("approval request %q: %w", r.PathValue("id"), err)
	}
	status := it.Request.Status
	if status == store.RequestPending && !it.Request.Open(a.d.Approvals.Clock.Now()) {
		status = store.RequestExpired // the expiry job has not marked it yet
	}
	httpx.WriteJSON(w, http.StatusOK, ApprovalRequestAnswer{RequestID: it.Request.ID, Status: status, Decisions: it.Decisions})
	return nil
}

// authenticate verifies the application's token as a lock check does.
func (a *API) authenticate(r *http.Request) (store.Application, string, error) {
	raw := httpx.AuthToken(r)
	if raw == "" {
		return store.Application{}, "", httpx.Errorf(http.StatusUnauthorized, "token_missing",
			"no token: send the application's JWT in the x-nl3-authorization-token header (or Authorization: Bearer)")
	}
	app, claims, err := a.d.Check.Authenticate(r.Context(), raw)
	if err != nil {
		return store.Application{}, "", a.limitFailedToken(r, err)
	}
	return app, claims.Subject, nil
}

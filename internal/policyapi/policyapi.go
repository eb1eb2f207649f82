package policyapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Authenticator checks a request's API token and that it holds scope
// (*mgmtapi.API implements it).
type Authenticator interface {
	Authenticate(r *http.Request, scope string) (store.APIToken, error)
}

// Admin is the domain work the endpoints do (*admin.Service implements
// it).
type Admin interface {
	Policies(ctx context.Context, tenantID string) ([]policy.Policy, error)
	ExecutePolicy(ctx context.Context, actor, tenantID, ref string, t policy.Trigger, reason string) (store.Execution, error)
}

// Handler serves the NL3 policy endpoints.
type Handler struct {
	Auth  Authenticator
	Admin Admin
	Log   *slog.Logger // nil: slog.Default
}

// Register adds the endpoints to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	mux.Handle("GET /nl3/api/v1/sdk/policies", httpx.Wrap(h.Log, h.list))
	mux.Handle("POST /nl3/api/v1/sdk/policies/{id}/execute", httpx.Wrap(h.Log, h.execute))
}

// View is one policy as listed: NL3's fields first, then deadbolt's.
type View struct {
	// ActiveDate is when the policy starts to act (NL3's Start Date):
	// its active_from, else its schedule's first day at midnight in the
	// schedule's zone; null when neither bounds it.
	ActiveDate *time.Time `json:"activeDate"`
	// AlertAction is an alert policy's action; null for other kinds.
	AlertAction *policy.Action `json:"alertAction"`
	policy.Policy
}

// ViewOf is p as listed.
func ViewOf(p policy.Policy) View {
	v := View{Policy: p}
	switch {
	case !p.ActiveFrom.IsZero():
		t := p.ActiveFrom.UTC()
		v.ActiveDate = &t
	case p.Schedule != nil:
		if loc, err := time.LoadLocation(p.Schedule.Zone); err == nil {
			d := p.Schedule.Start
			t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
			v.ActiveDate = &t
		}
	}
	if p.Type == policy.Alert {
		a := p.Action
		v.AlertAction = &a
	}
	return v
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.Auth.Authenticate(r, "policies:read")
	if err != nil {
		return err
	}
	ps, err := h.Admin.Policies(r.Context(), tok.TenantID)
	if err != nil {
		return err
	}
	out := make([]View, 0, len(ps))
	for _, p := range ps {
		out = append(out, ViewOf(p))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// maxBody bounds an execute request's optional body.
const maxBody = 16 << 10

func (h *Handler) execute(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.Auth.Authenticate(r, "policies:write")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		return httpx.Errorf(http.StatusBadRequest, "malformed", "the body could not be read")
	case len(body) > maxBody:
		return httpx.Errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is over %d bytes", maxBody)
	case len(body) > 0:
		if err := json.Unmarshal(body, &in); err != nil {
			return httpx.Errorf(http.StatusBadRequest, "malformed", "the body is not a JSON object with an optional \"reason\"")
		}
	}
	e, err := h.Admin.ExecutePolicy(r.Context(), "api-token:"+tok.ID, tok.TenantID, r.PathValue("id"), policy.OnExecute, in.Reason)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return httpx.Errorf(http.StatusNotFound, "not_found", "no policy of this token's tenant has id or name %q", r.PathValue("id"))
		}
		return err
	}
	res := map[string]any{"executionId": e.ID, "policyId": e.PolicyID, "executedAt": e.At.UTC(), "until": nil}
	if !e.Until.IsZero() {
		res["until"] = e.Until.UTC()
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

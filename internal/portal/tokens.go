package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The API tokens page: an admin makes, lists and revokes the tenant's
// management API tokens through package apitoken, as the CLI does.

func (p *Portal) tokenSvc() *apitoken.Service {
	return &apitoken.Service{Store: p.d.Store, Clock: p.d.Clock}
}

type tokenRow struct {
	Token store.APIToken
	State string // active, revoked or expired
}

func (p *Portal) adminTokens(w http.ResponseWriter, r *http.Request) error {
	return p.adminTokensPage(w, r, "")
}

// adminTokenCreate makes a token and shows it in this answer only, as a
// new webhook's secret: without a redirect a reload cannot show it again.
func (p *Portal) adminTokenCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "The form could not be read.", Cause: err}
	}
	var expires time.Duration
	if v := r.PostForm.Get("expires_days"); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 || days > 3650 {
			return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "Expires in must be a whole number of days from 1 to 3650, or empty for never."}
		}
		expires = time.Duration(days) * 24 * time.Hour
	}
	_, secret, err := p.tokenSvc().Create(r.Context(), s.actor(), apitoken.New{TenantID: s.member.TenantID,
		Name: r.PostForm.Get("name"), Role: r.PostForm.Get("role"), Scopes: r.PostForm["scopes"], ExpiresIn: expires})
	if err != nil {
		return invalidInput(err)
	}
	return p.adminTokensPage(w, r, secret)
}

func (p *Portal) adminTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if _, err := p.tokenSvc().Revoke(r.Context(), s.actor(), s.member.TenantID, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/tokens?done=token-revoked")
}

func (p *Portal) adminTokensPage(w http.ResponseWriter, r *http.Request, created string) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	toks, err := p.tokenSvc().List(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	now := p.d.Clock.Now()
	var rows []tokenRow
	for _, t := range toks {
		rows = append(rows, tokenRow{Token: t, State: t.State(now)})
	}
	data := map[string]any{"Tokens": rows, "Roles": apitoken.Roles, "Scopes": apitoken.Scopes}
	if created != "" {
		data["CreatedToken"] = created
	}
	p.renderAdmin(w, r, s, "tokens", "API tokens", data)
	return nil
}

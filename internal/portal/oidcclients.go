package portal

import (
	"net/http"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/oidc"
)

// The OpenID clients page: owners and admins register and remove their
// tenant's relying parties, through the same oidc.Clients as the CLI.

func (p *Portal) oidcClients() *oidc.Clients {
	return &oidc.Clients{Store: p.d.Store, Clock: p.d.Clock}
}

func (p *Portal) adminOIDC(w http.ResponseWriter, r *http.Request) error {
	return p.adminOIDCPage(w, r, nil)
}

func (p *Portal) adminOIDCCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "The form could not be read.", Cause: err}
	}
	c, err := p.oidcClients().Create(r.Context(), s.actor(), oidc.NewClient{TenantID: s.member.TenantID,
		Name: strings.TrimSpace(r.PostForm.Get("name")), RedirectURIs: lines(r.PostForm.Get("redirect_uris")),
		FrameOrigins: lines(r.PostForm.Get("frame_origins")), Public: r.PostForm.Get("public") != "",
		AppID: r.PostForm.Get("app")})
	if err != nil {
		return invalidInput(err)
	}
	return p.adminOIDCPage(w, r, &c)
}

func (p *Portal) adminOIDCDelete(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if _, err := p.oidcClients().Delete(r.Context(), s.actor(), s.member.TenantID, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/oidc?done=client-deleted")
}

func (p *Portal) adminOIDCPage(w http.ResponseWriter, r *http.Request, created *oidc.Created) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	clients, err := p.oidcClients().List(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	apps, err := p.d.Store.Applications(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	p.renderAdmin(w, r, s, "oidc", "OpenID clients", map[string]any{"Clients": clients, "CreatedClient": created,
		"Apps": apps, "Issuer": p.base.String()})
	return nil
}

// lines splits a textarea into its non-empty trimmed lines.
func lines(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

package api

import (
	"net/http"

	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
)

// breakGlassReport takes a device's report of the break-glass codes it
// used while it could not reach deadbolt. It is authenticated like a lock
// check: the application's token, whose sub is the account the codes are
// for; a code of another account or application counts as unknown.
func (a *API) breakGlassReport(w http.ResponseWriter, r *http.Request) error {
	raw := httpx.AuthToken(r)
	if raw == "" {
		return httpx.Errorf(http.StatusUnauthorized, "token_missing",
			"no token: send the application's JWT in the x-nl3-authorization-token header (or Authorization: Bearer)")
	}
	var body breakglass.ReportBody
	if err := httpx.DecodeJSON(r, MaxBody, &body); err != nil {
		return err
	}
	app, claims, err := a.d.Check.Authenticate(r.Context(), raw)
	if err != nil {
		return err
	}
	res, err := a.d.BreakGlass.Report(r.Context(), app, claims.Subject, body.Codes)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

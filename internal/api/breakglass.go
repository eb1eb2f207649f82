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
	app, sub, err := a.authenticate(r)
	if err != nil {
		return err
	}
	var body breakglass.ReportBody
	if err := httpx.DecodeJSON(r, MaxBody, &body); err != nil {
		return err
	}
	res, err := a.d.BreakGlass.Report(r.Context(), app, sub, body.Codes)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

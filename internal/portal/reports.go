package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/exposure"
)

// The exposure report (package exposure) for owners, admins and auditors:
// GET /admin/reports/exposure shows it for a period (the last 7, 30 or 90
// days, or from one date to another, UTC) and one or every application;
// the same address with format=html, csv or json downloads it. A tenant's
// report is built one at a time across the nodes (tenantFlight, a lease,
// as "Verify now"): a second request meanwhile gets 409.

// reportPeriods are the periods offered, in days.
var reportPeriods = []int{7, 30, 90}

// exposureQuery is what the page was asked for.
type exposureQuery struct {
	Days         int    // a preset period ending now; 0 with From and To
	From, To     string // dates, 2006-01-02 (To inclusive)
	App          string // application ID; "" for all
	since, until time.Time
}

// link is the page's address for q, downloading format when not "".
func (q exposureQuery) link(format string) string {
	v := url.Values{}
	if q.Days > 0 {
		v.Set("days", strconv.Itoa(q.Days))
	} else {
		v.Set("from", q.From)
		v.Set("to", q.To)
	}
	if q.App != "" {
		v.Set("app", q.App)
	}
	if format != "" {
		v.Set("format", format)
	}
	return "/admin/reports/exposure?" + v.Encode()
}

// parseExposureQuery reads the period: days=N, or from and to (dates),
// else the last 30 days.
func parseExposureQuery(r *http.Request, now time.Time) (exposureQuery, error) {
	f := r.URL.Query()
	q := exposureQuery{App: f.Get("app"), From: f.Get("from"), To: f.Get("to")}
	if q.From != "" || q.To != "" {
		from, err1 := time.Parse(time.DateOnly, q.From)
		to, err2 := time.Parse(time.DateOnly, q.To)
		if err1 != nil || err2 != nil || to.Before(from) {
			return q, errors.New("give the period as two dates, from and to (2026-11-01), the second not before the first")
		}
		q.since, q.until = from, to.AddDate(0, 0, 1)
		if q.until.After(now) {
			q.until = now
		}
		if !q.until.After(q.since) {
			return q, errors.New("the period starts in the future")
		}
		return q, nil
	}
	q.Days = 30
	if d := f.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3650 {
			return q, errors.New("days must be a whole number from 1 to 3650")
		}
		q.Days = n
	}
	q.since, q.until = now.AddDate(0, 0, -q.Days), now
	q.From, q.To = q.since.Format(time.DateOnly), now.Format(time.DateOnly)
	return q, nil
}

func (p *Portal) adminExposure(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	q, err := parseExposureQuery(r, p.now())
	if err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "No such period", Message: err.Error(), Back: "/admin/reports/exposure"}
	}
	apps, err := p.d.Store.Applications(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	if q.App != "" {
		if _, err := p.tenantApp(r, s, q.App); err != nil {
			return err
		}
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", exposure.HTML, exposure.CSV, exposure.JSON:
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "No such format",
			Message: fmt.Sprintf("The report downloads as html, csv or json, not %q.", format), Back: q.link("")}
	}
	// A report reads the grants, audit log and check log of its whole
	// period (up to ten years): one at a time per tenant, across the nodes.
	ctx, fl, ok, err := p.reports.begin(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	if !ok {
		return &pageError{Status: http.StatusConflict, Title: "Report being built",
			Message: "An exposure report of this tenant is being built; reload this page in a moment.", Back: q.link("")}
	}
	defer fl.end()
	rep, err := exposure.Build(ctx, p.d.Store, exposure.Options{TenantID: s.member.TenantID, AppID: q.App,
		Since: q.since, Until: q.until, Geo: p.d.Geo})
	if err != nil {
		return err
	}
	if format != "" {
		types := map[string]string{exposure.HTML: "text/html; charset=utf-8", exposure.CSV: "text/csv; charset=utf-8",
			exposure.JSON: "application/json"}
		w.Header().Set("Content-Type", types[format])
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="exposure-%s-%s-%s.%s"`,
			safeName(rep.Tenant), q.since.Format(time.DateOnly), q.until.Format(time.DateOnly), format))
		w.Header().Set("Cache-Control", "no-store")
		return exposure.Write(w, rep, format)
	}
	body, err := exposure.Body(rep)
	if err != nil {
		return err
	}
	downloads := map[string]string{}
	for _, f := range []string{exposure.HTML, exposure.CSV, exposure.JSON} {
		downloads[f] = q.link(f)
	}
	p.renderAdmin(w, r, s, "exposure", "Exposure report", map[string]any{"Query": q, "Periods": reportPeriods,
		"Apps": apps, "Downloads": downloads, "Report": body})
	return nil
}

// safeName keeps the letters, digits, dots and dashes of a tenant's name
// for a file name.
func safeName(s string) string {
	out := []rune{}
	for _, c := range s {
		if c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			out = append(out, c)
		}
	}
	return string(out)
}

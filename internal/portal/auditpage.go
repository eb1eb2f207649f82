package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/trail"
)

// The Audit page (/admin/audit): the tenant's audit trail, newest first,
// filtered by actor, action, target and time, each record's details, an
// export of what the filters select (JSONL that `deadbolt audit verify
// --file` checks, or CSV), and "Verify now", the same check as `deadbolt
// audit verify --tenant`. Owners, admins and auditors see it, of their
// own tenant only.

// auditRows is how many records one page of the Audit page lists, and
// auditScan how many it reads at most to find them.
const (
	auditRows = 50
	auditScan = 20000
)

// auditFilter reads the page's filters from the query: actor, action and
// target (exact, or a prefix ending in "*"), and since and until (a date
// or a date and time, UTC; until includes its whole day or minute).
func auditFilter(q url.Values) (audit.Filter, error) {
	f := audit.Filter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target"))}
	var err error
	if f.Since, _, err = formTime(q.Get("since"), "From"); err != nil {
		return f, err
	}
	var step time.Duration
	if f.Until, step, err = formTime(q.Get("until"), "To"); err != nil {
		return f, err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.Add(step)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, &pageError{Status: http.StatusBadRequest, Title: "Check the dates", Message: "“From” must come before “To”."}
	}
	return f, nil
}

// formTime reads a date (2026-11-30) or a date and time (2026-11-30T14:05,
// as a datetime-local field sends it) in UTC, and the length of time it
// names (a day or a minute); "" is the zero time.
func formTime(v, label string) (time.Time, time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, 0, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, 24 * time.Hour, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, time.Minute, nil
		}
	}
	return time.Time{}, 0, &pageError{Status: http.StatusBadRequest, Title: "Check the dates",
		Message: fmt.Sprintf("“%s” must be a date such as 2026-11-30, or a date and time such as 2026-11-30T14:05 (UTC), not %q.", label, v)}
}

// filterQuery is the query string of the page's filters, for the links
// of the next page and the export.
func filterQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"actor", "action", "target", "since", "until"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// auditVerdict is the outcome of "Verify now".
type auditVerdict struct {
	OK     bool
	Result trail.Result
	Break  *audit.Break
	Signed bool // checkpoints were checked (the portal has the audit key)
}

func (p *Portal) adminAudit(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	return p.renderAudit(w, r, s, r.URL.Query(), nil)
}

// renderAudit shows the Audit page: the records that the filters in q
// select, and the verdict of "Verify now" when there is one.
func (p *Portal) renderAudit(w http.ResponseWriter, r *http.Request, s signedIn, q url.Values, verdict *auditVerdict) error {
	if p.d.Audit == nil {
		return &pageError{Status: http.StatusNotFound, Title: "Page not found", Message: "This deployment serves no audit trail."}
	}
	f, err := auditFilter(q)
	if err != nil {
		return err
	}
	var before int64
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			return &pageError{Status: http.StatusBadRequest, Title: "Not found", Message: "That page of the audit trail does not exist."}
		}
	}
	recs, next, err := trail.Newest(r.Context(), p.d.Audit, s.member.TenantID, f, before, auditRows, auditScan)
	if err != nil {
		return err
	}
	filters := filterQuery(q)
	var nextLink string
	if next > 0 {
		nq := filterQuery(q)
		nq.Set("before", strconv.FormatInt(next, 10))
		nextLink = "/admin/audit?" + nq.Encode()
	}
	export := func(format string) string {
		eq := filterQuery(q)
		eq.Set("format", format)
		return "/admin/audit/export?" + eq.Encode()
	}
	p.renderAdmin(w, r, s, "audit", "Audit", map[string]any{"Records": recs, "Next": nextLink,
		"Filter": filters, "ExportJSONL": export("jsonl"), "ExportCSV": export("csv"), "Filtered": !f.IsZero(), "Verdict": verdict})
	return nil
}

func (p *Portal) adminAuditEvent(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	notFound := &pageError{Status: http.StatusNotFound, Title: "No such record", Message: "The audit trail has no record with that number."}
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq < 1 || p.d.Audit == nil {
		return notFound
	}
	recs, err := p.d.Audit.AuditRecords(r.Context(), s.member.TenantID, seq-1, 1)
	if err != nil {
		return err
	}
	if len(recs) == 0 || recs[0].Seq != seq {
		return notFound
	}
	p.renderAdmin(w, r, s, "auditevent", fmt.Sprintf("Audit record %d", seq), map[string]any{"Record": recs[0],
		"Data": string(recs[0].Data)})
	return nil
}

// adminAuditExport streams the records the filters select, oldest first,
// as JSONL or CSV: a page of records at a time, whatever the trail's
// length.
func (p *Portal) adminAuditExport(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if p.d.Audit == nil {
		return &pageError{Status: http.StatusNotFound, Title: "Page not found", Message: "This deployment serves no audit trail."}
	}
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return err
	}
	format := audit.Format(r.URL.Query().Get("format"))
	ctype := map[audit.Format]string{audit.JSONL: "application/jsonl", audit.CSV: "text/csv; charset=utf-8"}[format]
	if ctype == "" {
		return &pageError{Status: http.StatusBadRequest, Title: "Choose a format", Message: "Export as JSONL or CSV."}
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.%s"`, p.now().UTC().Format("20060102-150405"), format))
	out, err := audit.NewWriter(w, format)
	if err != nil {
		return err
	}
	_, _, err = trail.Export(r.Context(), p.d.Audit, trail.OneByOne, s.member.TenantID, f, out, nil)
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		// The answer has begun: all that is left is to cut it short, so
		// that the download fails rather than looking complete.
		p.d.Log.ErrorContext(r.Context(), "audit export cut short", "tenant", s.member.TenantID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// adminAuditVerify is "Verify now": the check of `deadbolt audit verify
// --tenant` (trail.Verify, with the stored checkpoints when the portal has
// the audit key), shown on the Audit page. It is a POST, so that no link
// or prefetch starts the work, but it changes nothing: auditors may run it
// too (requireOverseer).
func (p *Portal) adminAuditVerify(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireOverseer(w, r)
	if !ok {
		return err
	}
	if p.d.Audit == nil {
		return &pageError{Status: http.StatusNotFound, Title: "Page not found", Message: "This deployment serves no audit trail."}
	}
	// It re-hashes the whole trail: one at a time per tenant.
	ctx, fl, ok, err := p.verifies.begin(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	if !ok {
		return &pageError{Status: http.StatusConflict, Title: "Verification running",
			Message: "A verification of this tenant's audit trail is running; reload the Audit page in a moment."}
	}
	defer fl.end()
	v := &auditVerdict{Signed: p.d.AuditKey != nil}
	v.Result, err = trail.Verify(ctx, p.d.Audit, trail.OneByOne, s.member.TenantID, p.d.AuditKey, nil, nil)
	switch {
	case errors.As(err, &v.Break):
	case err != nil:
		return err
	default:
		v.OK = true
	}
	// The verdict shows over the newest records, unfiltered.
	return p.renderAudit(w, r, s, url.Values{}, v)
}

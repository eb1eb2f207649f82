package mgmtapi

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/deadbolt-dev/deadbolt/internal/csvsafe"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Requests and templates: a token acts on behalf of the member it names
// ("as"), as the CLI's operator does with --as; package approval holds
// every rule (who may ask, who may vote, self-approval, quorum), and a
// vote over the API is never a signed one.

func requestView(it approval.Item) map[string]any {
	q := it.Request
	votes := []map[string]any{}
	for _, v := range it.Votes {
		votes = append(votes, map[string]any{"member_id": v.MemberID, "decision": v.Decision, "channel": v.Channel,
			"comment": v.Comment, "signed": v.Evidence != "", "at": stamp(v.At)})
	}
	approvers := it.Approvers
	if approvers == nil {
		approvers = []string{}
	}
	kind, requester := q.Kind, ""
	if kind == "" {
		kind = store.RequestSignin
	}
	if it.Requester != nil {
		requester = it.Requester.ID
	}
	return map[string]any{"id": q.ID, "status": q.Status, "kind": kind, "account_id": it.Account.ID,
		"account": it.Account.Name, "app_id": it.App.ID, "requester_id": requester, "reason": q.Reason,
		"duration_seconds": int64(q.Duration / time.Second), "starts_at": stamp(q.StartsAt), "expires_at": stamp(q.ExpiresAt),
		"policy_id": it.PolicyID, "required": it.Rule.Required, "approvals": it.Approvals, "sign": it.Rule.Sign,
		"approver_ids": approvers, "votes": votes, "grant_id": q.GrantID, "created_at": stamp(q.CreatedAt)}
}

// member is the tenant's member a request names by email or ID.
func (a *API) member(c *call, field, ref string) (store.Member, error) {
	if strings.TrimSpace(ref) == "" {
		return store.Member{}, httpx.Errorf(http.StatusBadRequest, "invalid", "%s is required: the member (email or ID) the token acts for", field)
	}
	return a.d.Admin.Member(c.r.Context(), c.tenant(), ref)
}

// requestStates are the values of GET /requests?state=.
var requestStates = []string{store.RequestOpen, store.RequestApproved, store.RequestDenied, store.RequestExpired, "all"}

// listRequests pages the tenant's requests newest first; the cursor is
// the last ID of the page before (IDs grow with time and never change),
// so requests raised or decided meanwhile never make one repeat.
func (a *API) listRequests(c *call) error {
	limit, before, err := c.pageQuery()
	if err != nil {
		return err
	}
	state := c.r.URL.Query().Get("state")
	switch {
	case state == "":
		state = store.RequestOpen
	case !slices.Contains(requestStates, state):
		return httpx.Errorf(http.StatusBadRequest, "invalid", "state must be one of %s, not %q", strings.Join(requestStates, ", "), state)
	}
	f := store.RequestFilter{State: state, Before: before}
	if state == "all" {
		f.State = ""
	}
	items, err := a.d.Approvals.List(c.r.Context(), c.tenant(), f, limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = items[limit-1].Request.ID
	}
	views := make([]map[string]any, len(items))
	for i, it := range items {
		views[i] = requestView(it)
	}
	return c.reply(http.StatusOK, page{Items: views, Next: encodeCursor(next)})
}

func (a *API) getRequest(c *call) error {
	it, err := a.d.Approvals.Show(c.r.Context(), c.tenant(), c.r.PathValue("id"), store.Member{})
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, requestView(it))
}

func (a *API) createRequest(c *call) error {
	var in struct {
		Application string `json:"application"`
		Account     string `json:"account"`
		As          string `json:"as"`
		Reason      string `json:"reason"`
		ForSeconds  int64  `json:"for_seconds"`
		Start       string `json:"start"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	app, err := a.appByRef(c, in.Application)
	if err != nil {
		return err
	}
	m, err := a.member(c, "as", in.As)
	if err != nil {
		return err
	}
	ask := approval.Ask{Reason: in.Reason, For: time.Duration(in.ForSeconds) * time.Second}
	if in.Start != "" {
		if ask.Start, err = time.Parse(time.RFC3339, in.Start); err != nil {
			return httpx.Errorf(http.StatusBadRequest, "invalid", "start %q is not an RFC 3339 instant such as 2026-12-31T08:00:00Z", in.Start)
		}
	}
	ctx := c.r.Context()
	q, err := a.d.Approvals.Create(ctx, c.actor(), m, app, in.Account, ask)
	if err != nil {
		return err
	}
	it, err := a.d.Approvals.Show(ctx, c.tenant(), q.ID, store.Member{})
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, requestView(it))
}

func (a *API) approveRequest(c *call) error { return a.vote(c, true) }
func (a *API) denyRequest(c *call) error    { return a.vote(c, false) }

func (a *API) vote(c *call, approve bool) error {
	var in struct {
		As      string `json:"as"`
		Comment string `json:"comment"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := a.member(c, "as", in.As)
	if err != nil {
		return err
	}
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	out, err := a.d.Approvals.Vote(ctx, approval.Ballot{RequestID: id, Voter: m, Approve: approve,
		Channel: approval.ChannelAPI, Actor: c.actor(), Comment: in.Comment})
	if err != nil {
		return err
	}
	it, err := a.d.Approvals.Show(ctx, c.tenant(), id, store.Member{})
	if err != nil {
		return err
	}
	v := requestView(it)
	v["decided"] = out.Decided
	return c.reply(http.StatusOK, v)
}

// templates

func (a *API) templateView(t store.Template) map[string]any {
	return map[string]any{"id": t.ID, "key": t.Key, "title": t.Title, "text": t.Text, "approver_ids": nonNil(t.Approvers),
		"approver_group_ids": nonNil(t.ApproverGroups), "mode": t.Mode, "created_at": stamp(t.CreatedAt)}
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (a *API) listTemplates(c *call) error {
	ts, err := a.d.Admin.Templates(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return writePage(c, ts, func(t store.Template) string { return t.Key }, a.templateView)
}

func (a *API) createTemplate(c *call) error {
	var in struct {
		Key            string   `json:"key"`
		Title          string   `json:"title"`
		Text           string   `json:"text"`
		Approvers      []string `json:"approvers"`
		ApproverGroups []string `json:"approver_groups"`
		Mode           string   `json:"mode"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	t, err := a.d.Admin.CreateTemplate(c.r.Context(), c.actor(), c.tenant(), admin.NewTemplate{Key: in.Key, Title: in.Title,
		Text: in.Text, Approvers: in.Approvers, ApproverGroups: in.ApproverGroups, Mode: in.Mode})
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, a.templateView(t))
}

func (a *API) deleteTemplate(c *call) error {
	ctx := c.r.Context()
	key := c.r.PathValue("key")
	t, err := a.d.Store.Template(ctx, c.tenant(), key)
	if err != nil {
		return err
	}
	if err := a.d.Admin.DeleteTemplate(ctx, c.actor(), c.tenant(), key); err != nil {
		return err
	}
	return c.reply(http.StatusOK, a.templateView(t))
}

// exports

// auditPage is how many records an export reads at a time.
const auditPage = 1000

// exportAudit streams the tenant's audit trail, oldest first, as JSONL
// (records as `deadbolt audit verify --file` reads them) or CSV, read
// a page at a time so memory stays flat. Filters are audit.Filter's.
func (a *API) exportAudit(c *call) error {
	q := c.r.URL.Query()
	format := audit.Format(q.Get("format"))
	if format == "" {
		format = audit.JSONL
	}
	f := audit.Filter{Action: q.Get("action"), Actor: q.Get("actor"), Target: q.Get("target")}
	for name, at := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return httpx.Errorf(http.StatusBadRequest, "invalid", "%s %q is not an RFC 3339 time such as 2026-11-01T00:00:00Z", name, v)
			}
			*at = t
		}
	}
	if format != audit.JSONL && format != audit.CSV {
		return httpx.Errorf(http.StatusBadRequest, "invalid", "format must be jsonl or csv, not %q", format)
	}
	ctx := c.r.Context()
	// The first page is read before the answer starts, so that a failing
	// store still answers in the one error shape.
	recs, err := a.d.Store.AuditRecords(ctx, c.tenant(), 0, auditPage)
	if err != nil {
		return err
	}
	ct := "application/x-ndjson"
	if format == audit.CSV {
		ct = "text/csv; charset=utf-8"
	}
	c.w.Header().Set("Content-Type", ct)
	c.w.Header().Set("Content-Disposition", `attachment; filename="audit.`+string(format)+`"`)
	w, err := audit.NewWriter(c.w, format)
	if err != nil {
		return err
	}
	for {
		for _, r := range recs {
			if f.Match(r) {
				if err := w.Write(r); err != nil {
					return err
				}
			}
		}
		if len(recs) < auditPage {
			break
		}
		if recs, err = a.d.Store.AuditRecords(ctx, c.tenant(), recs[len(recs)-1].Seq, auditPage); err != nil {
			return err // the answer has begun: the client sees it cut short
		}
	}
	return w.Flush()
}

// checkColumns are the CSV columns of a check export, in order.
var checkColumns = []string{"id", "app_id", "kid", "account", "at", "locked", "status", "ip", "device", "location", "integration_type"}

// exportChecks streams an application's check log over [since, until),
// oldest first, as JSONL or CSV, a page at a time.
func (a *API) exportChecks(c *call) error {
	format := c.r.URL.Query().Get("format")
	if format == "" {
		format = "jsonl"
	}
	if format != "jsonl" && format != "csv" {
		return httpx.Errorf(http.StatusBadRequest, "invalid", "format must be jsonl or csv, not %q", format)
	}
	x, since, until, err := a.checkWindow(c)
	if err != nil {
		return err
	}
	ctx := c.r.Context()
	recs, pos, err := a.d.Store.ChecksBetween(ctx, x.ID, since, until, store.CheckPosition{}, auditPage)
	if err != nil {
		return err
	}
	ct := "application/x-ndjson"
	if format == "csv" {
		ct = "text/csv; charset=utf-8"
	}
	c.w.Header().Set("Content-Type", ct)
	c.w.Header().Set("Content-Disposition", `attachment; filename="checks.`+format+`"`)
	cw := csv.NewWriter(c.w)
	enc := json.NewEncoder(c.w)
	if format == "csv" {
		if err := cw.Write(checkColumns); err != nil {
			return err
		}
	}
	for {
		for _, r := range recs {
			v := checkView(r)
			if format == "jsonl" {
				if err := enc.Encode(v); err != nil {
					return err
				}
				continue
			}
			row := make([]string, len(checkColumns))
			for i, col := range checkColumns {
				if v[col] != nil {
					row[i] = fmt.Sprint(v[col])
				}
			}
			if err := cw.Write(csvsafe.Row(row)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil || len(recs) < auditPage {
			return err
		}
		if recs, pos, err = a.d.Store.ChecksBetween(ctx, x.ID, since, until, pos, auditPage); err != nil {
			return err // the answer has begun: the client sees it cut short
		}
	}
}

package portal

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The explain page: for an account of one of the tenant's applications,
// at an instant and from an address, which policies apply and which one
// decides, step by step. It calls admin.Service.Explain, the function
// behind `deadbolt policy explain`, so both say the same. It is a GET
// form: it changes nothing.

// explainStep is one step of an explanation with its policies.
type explainStep struct {
	Title string
	Rules []policy.Rule
}

// explainView is an explanation as the page shows it.
type explainView struct {
	policy.Explanation
	App      store.Application
	Name     string // the account's
	Steps    []explainStep
	Outcome  string // the status the policies give, "" when none decides
	Decider  string // the deciding policy's name
	Text     string // as the CLI prints it
	Names    map[string]string
	AtString string
}

func (p *Portal) adminExplain(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	apps, err := p.d.Store.Applications(ctx, s.member.TenantID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	form := map[string]string{"app": q.Get("app"), "account": strings.TrimSpace(q.Get("account")), "at": strings.TrimSpace(q.Get("at")),
		"ip": strings.TrimSpace(q.Get("ip"))}
	data := map[string]any{"Apps": apps, "Query": form}
	status := http.StatusOK
	if form["account"] != "" || form["app"] != "" {
		errs := formErrors{}
		app, err := p.tenantApp(r, s, form["app"])
		if err != nil {
			errs.add("app", "choose one of the organisation's applications")
		}
		if form["account"] == "" {
			errs.add("account", "missing: the account's name at the application, e.g. alice")
		}
		at := p.d.Clock.Now().UTC()
		if form["at"] != "" {
			if at, err = time.Parse(localInstant, form["at"]); err != nil {
				errs.add("at", strconv.Quote(form["at"])+" is not a date and time like 2026-12-08T03:12 (UTC)")
			}
		}
		var ip netip.Addr
		if form["ip"] != "" {
			if ip, err = netip.ParseAddr(form["ip"]); err != nil {
				errs.add("ip", strconv.Quote(form["ip"])+" is not an IPv4 or IPv6 address")
			}
		}
		if len(errs) > 0 {
			data["Errors"], status = errs, http.StatusBadRequest
		} else {
			ex, err := p.adminSvc().Explain(ctx, app, form["account"], at, ip, p.d.Geo)
			if err != nil {
				return err
			}
			data["Explained"] = explainOf(ex, app, form["account"])
		}
	}
	p.renderAdminPage(w, r, s, status, "policies", "explain", "Explain a decision", data)
	return nil
}

func explainOf(ex policy.Explanation, app store.Application, account string) explainView {
	v := explainView{Explanation: ex, App: app, Name: account, Text: ex.String(), Names: map[string]string{},
		AtString: ex.At.UTC().Format("Mon 2 Jan 2006 15:04:05 UTC")}
	for _, r := range ex.Rules {
		v.Names[r.PolicyID] = r.PolicyName
	}
	for _, step := range ex.Steps() {
		st := explainStep{Title: step.String()}
		for _, r := range ex.Rules {
			if r.Step == step {
				st.Rules = append(st.Rules, r)
			}
		}
		v.Steps = append(v.Steps, st)
	}
	switch vd := ex.Verdict; {
	case vd.HardLock != "":
		v.Outcome = "lockdown"
	case vd.ContextDenied:
		v.Outcome = "denied_by_policy"
	case vd.Scheduled:
		v.Outcome = "unlocked_by_schedule"
	}
	v.Decider = v.Names[ex.DecidedBy]
	return v
}

package portal

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// policyForm is the policy form as filled in: strings as typed, so that a
// refused form shows what was sent. Its fields are named as the policy's
// JSON document names them ("schedule.zone"), which is how validation
// names its problems.
type policyForm struct {
	Name, Type, Action      string
	Enabled                 bool
	ActiveFrom, ActiveUntil string // "2006-01-02T15:04", UTC
	// scheduled
	Zone, Every, MonthDay, From, To, Start, End string
	Days                                        []string // "mon" …
	// context
	CIDRs, Countries, OnUnknown string
	// alert
	On, Notify []string
	For        string
	Liftable   bool
	// approval
	Required                     string
	Groups                       []string // IDs
	Approvers                    string   // emails, one a line
	OwnerCounts, AllowSelf, Sign bool
	DenyOn, MaxDuration, Expiry  string
}

// policyTypes are the kinds of policy, as the forms offer them.
var policyTypes = []struct{ Type, Label, Help string }{
	{string(policy.Scheduled), "Scheduled", "locks, opens or allows unlocking in a recurring time window"},
	{string(policy.Context), "Context", "refuses sign-ins from outside allowed networks and countries"},
	{string(policy.Alert), "Alert", "acts at once on an event or when a SIEM executes it, e.g. locks a group for 24 h"},
	{string(policy.Approval), "Approval", "says who approves unlocks, and how many approvals open an account"},
}

func knownType(t string) bool {
	return slices.ContainsFunc(policyTypes, func(x struct{ Type, Label, Help string }) bool { return x.Type == t })
}

// weekdays are the days of the form, Monday first.
var weekdays = []choice{
	{"mon", "Monday"}, {"tue", "Tuesday"}, {"wed", "Wednesday"}, {"thu", "Thursday"}, {"fri", "Friday"},
	{"sat", "Saturday"}, {"sun", "Sunday"},
}

// localInstant is the form's way of writing an instant: UTC, to the
// minute (an <input type="datetime-local">).
const localInstant = "2006-01-02T15:04"

// newPolicyForm is the form of a new policy of type typ, filled in with
// what most people want: enabled, weekdays 09:00–17:00 from today in UTC.
func newPolicyForm(typ string, now time.Time) policyForm {
	f := policyForm{Type: typ, Enabled: true, Every: string(policy.Weekdays), From: "09:00", To: "17:00",
		Start: now.UTC().Format(time.DateOnly), Zone: "UTC", OnUnknown: string(policy.Deny), Required: "1",
		DenyOn: string(policy.DenyFirst), On: []string{string(policy.OnExecute)}, For: "24 h", Liftable: true}
	switch policy.Type(typ) {
	case policy.Scheduled:
		f.Action = string(policy.Unlock)
	case policy.Context, policy.Alert:
		f.Action = string(policy.Lock)
	}
	return f
}

// policyFormOf is the form showing p; emails names members by ID.
func policyFormOf(p policy.Policy, emails map[string]string) policyForm {
	f := policyForm{Name: p.Name, Type: string(p.Type), Action: string(p.Action), Enabled: p.Enabled,
		OnUnknown: string(p.OnUnknown)}
	if !p.ActiveFrom.IsZero() {
		f.ActiveFrom = p.ActiveFrom.UTC().Format(localInstant)
	}
	if !p.ActiveUntil.IsZero() {
		f.ActiveUntil = p.ActiveUntil.UTC().Format(localInstant)
	}
	if s := p.Schedule; s != nil {
		f.Zone, f.Every, f.From, f.To, f.Start, f.End = s.Zone, string(s.Every), s.From.String(), s.To.String(), s.Start.String(), s.End.String()
		for _, d := range s.Days {
			f.Days = append(f.Days, strings.ToLower(d.String()[:3]))
		}
		switch {
		case s.MonthDay == policy.LastDay:
			f.MonthDay = "last"
		case s.MonthDay != 0:
			f.MonthDay = strconv.Itoa(s.MonthDay)
		}
	}
	if c := p.Context; c != nil {
		f.CIDRs, f.Countries = strings.Join(c.AllowCIDRs, "\n"), strings.Join(c.AllowCountries, ", ")
	}
	if f.OnUnknown == "" {
		f.OnUnknown = string(policy.Deny)
	}
	if a := p.Alert; a != nil {
		for _, o := range a.On {
			f.On = append(f.On, string(o))
		}
		for _, n := range a.Notify {
			f.Notify = append(f.Notify, string(n))
		}
		f.Liftable = a.Liftable
		if a.For > 0 {
			f.For = humanDuration(a.For)
		}
	}
	if a := p.Approval; a != nil {
		f.Required, f.Groups, f.OwnerCounts, f.AllowSelf, f.Sign = strconv.Itoa(a.Required), a.Groups, a.OwnerCounts, a.AllowSelf, a.Sign
		f.DenyOn = string(a.DenyOn)
		if f.DenyOn == "" {
			f.DenyOn = string(policy.DenyFirst)
		}
		var es []string
		for _, id := range a.Members {
			es = append(es, cmpOr(emails[id], id))
		}
		f.Approvers = strings.Join(es, "\n")
		if a.MaxDuration > 0 {
			f.MaxDuration = humanDuration(a.MaxDuration)
		}
		if a.Expiry > 0 {
			f.Expiry = humanDuration(a.Expiry)
		}
	}
	return f
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// readPolicyForm reads a posted form of a policy of type typ (the type
// is not read from the form: a new policy's comes from its page, an
// edited one keeps its own).
func readPolicyForm(v url.Values, typ string) policyForm {
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	on := func(k string) bool { return v.Get(k) == "1" }
	return policyForm{Name: g("name"), Type: typ, Action: g("action"), Enabled: on("enabled"),
		ActiveFrom: g("active_from"), ActiveUntil: g("active_until"),
		Zone: g("schedule.zone"), Every: g("schedule.every"), Days: v["schedule.days"], MonthDay: g("schedule.month_day"),
		From: g("schedule.from"), To: g("schedule.to"), Start: g("schedule.start"), End: g("schedule.end"),
		CIDRs: g("context.allow_cidrs"), Countries: g("context.allow_countries"), OnUnknown: g("on_unknown"),
		On: v["alert.on"], Notify: v["alert.notify"], For: g("alert.for"), Liftable: on("alert.liftable"),
		Required: g("approval.required"), Groups: v["approval.groups"], Approvers: g("approval.members"),
		OwnerCounts: on("approval.owner_counts"), AllowSelf: on("approval.allow_self"), Sign: on("approval.sign"),
		DenyOn: g("approval.deny_on"), MaxDuration: g("approval.max_duration"), Expiry: g("approval.expiry")}
}

// splitList reads a list typed with commas, spaces or one item a line.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// policy is the policy the form describes, or the problems of the form by
// field: first what does not read (a time that is no time), then what
// policy validation refuses, each beside its field. Approver groups and
// members must be the tenant's (groups by ID, members by email).
func (f policyForm) policy(ctx context.Context, adm *admin.Service, tenantID string, groups []admin.GroupInfo) (policy.Policy, formErrors) {
	errs := formErrors{}
	p := policy.Policy{Name: f.Name, Type: policy.Type(f.Type), Action: policy.Action(f.Action), Enabled: f.Enabled}
	instant := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(localInstant, v)
		if err != nil {
			errs.add(field, strconv.Quote(v)+" is not a date and time like 2026-12-01T08:00")
		}
		return t.UTC()
	}
	p.ActiveFrom, p.ActiveUntil = instant("active_from", f.ActiveFrom), instant("active_until", f.ActiveUntil)
	dur := func(field, v string) time.Duration {
		if v == "" {
			return 0
		}
		d, err := parseDuration(fieldName(field), v)
		if err != nil {
			errs.add(field, asPageError(err).Message)
		}
		return d
	}
	switch p.Type {
	case policy.Scheduled:
		s := &policy.Schedule{Zone: f.Zone, Every: policy.Frequency(f.Every)}
		read := func(field, v string, fn func(string) error) {
			if v != "" {
				if err := fn(v); err != nil {
					errs.add(field, err.Error())
				}
			}
		}
		if s.Every == policy.Weekly || s.Every == policy.Biweekly {
			read("schedule.days", strings.Join(f.Days, ","), func(v string) (err error) { s.Days, err = policy.ParseDays(v); return })
		}
		if s.Every == policy.Monthly {
			read("schedule.month_day", f.MonthDay, func(v string) (err error) { s.MonthDay, err = policy.ParseMonthDay(v); return })
		}
		read("schedule.from", f.From, func(v string) (err error) { s.From, err = policy.ParseTimeOfDay(v); return })
		read("schedule.to", f.To, func(v string) (err error) { s.To, err = policy.ParseTimeOfDay(v); return })
		read("schedule.start", f.Start, func(v string) (err error) { s.Start, err = policy.ParseDate(v); return })
		read("schedule.end", f.End, func(v string) (err error) { s.End, err = policy.ParseDate(v); return })
		if f.From == "" {
			errs.add("schedule.from", "missing: a time like 09:00")
		}
		if f.To == "" {
			errs.add("schedule.to", "missing: a time like 17:00")
		}
		p.Schedule = s
	case policy.Context:
		p.Action = policy.Lock
		p.OnUnknown = policy.OnUnknown(f.OnUnknown)
		p.Context = &policy.ContextRule{AllowCIDRs: splitList(f.CIDRs), AllowCountries: splitList(f.Countries)}
	case policy.Alert:
		r := &policy.AlertRule{For: dur("alert.for", f.For), Liftable: f.Liftable}
		for _, o := range f.On {
			r.On = append(r.On, policy.Trigger(o))
		}
		for _, n := range f.Notify {
			r.Notify = append(r.Notify, policy.Recipient(n))
		}
		p.Alert = r
	case policy.Approval:
		p.Action = ""
		r := &policy.ApprovalRule{OwnerCounts: f.OwnerCounts, AllowSelf: f.AllowSelf, Sign: f.Sign, DenyOn: policy.DenyOn(f.DenyOn),
			MaxDuration: dur("approval.max_duration", f.MaxDuration), Expiry: dur("approval.expiry", f.Expiry)}
		n, err := strconv.Atoi(f.Required)
		if err != nil {
			errs.add("approval.required", strconv.Quote(f.Required)+" is not a whole number")
		}
		r.Required = n
		for _, id := range f.Groups {
			if !slices.ContainsFunc(groups, func(g admin.GroupInfo) bool { return g.ID == id }) {
				errs.add("approval.approvers", "a group that is not the organisation's")
				continue
			}
			r.Groups = append(r.Groups, id)
		}
		for _, email := range splitList(f.Approvers) {
			m, err := adm.Member(ctx, tenantID, email)
			switch {
			case errors.Is(err, store.ErrNotFound):
				errs.add("approval.approvers", "no member of the organisation has the email "+email)
			case err != nil:
				errs.add("approval.approvers", "could not look up "+email+"; try again")
			case !slices.Contains(r.Members, m.ID):
				r.Members = append(r.Members, m.ID)
			}
		}
		p.Approval = r
	}
	for _, pr := range policy.Problems(p.Validate()) {
		field := pr.Field
		if field == "" || field == "type" {
			field = ""
		}
		if _, seen := errs[field]; seen && field != "" {
			continue // what did not read is said once
		}
		errs.add(field, pr.Message)
	}
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// maxAccounts bounds the accounts one page shows.
const maxAccounts = 500

// accountView is one account as the page shows it.
type accountView struct {
	Account store.Account
	Locked  bool
	Status  lock.Status
	State   string    // what the badge says
	Detail  string    // one more line, or ""
	Until   time.Time // an open grant's end, for the countdown
	Once    bool
	Hard    bool   // a hard lock applies: unlocking would not open it
	Reason  string // which hard lock (lock.HardLock*), when Hard
	// BreakGlass is the longest break-glass unlock of a marked account;
	// zero when it is not marked (or break-glass is off).
	BreakGlass time.Duration
	// Ask lists the lengths the owner may ask its approvers for, ahead
	// of time, when an approval policy governs the account (empty: none
	// does, or approvals are off).
	Ask []preset
}

// preset is one choice of unlock length.
type preset struct {
	D       time.Duration
	Value   string
	Label   string
	Default bool
}

// appView is an application with the member's accounts there.
type appView struct {
	App      store.Application
	Accounts []accountView
	Presets  []preset
	Max      string
}

// requestView is an unlock request as the inbox shows it.
type requestView struct {
	Request store.UnlockRequest
	Account string
	App     string
	Open    bool
	Default string // the application's default unlock, for the button
	// Asked is a request the owner asked for (ahead, or to extend):
	// their approvers decide it, so the page offers no vote on it.
	Asked bool
}

// homeData is what the accounts page shows; its fingerprint tells the
// event stream whether anything visible changed.
type homeData struct {
	Apps []appView
	// Extend offers to ask for more time on open accounts (approvals are
	// set up on this server).
	Extend      bool
	Pending     []requestView
	History     []requestView
	LockAll     bool
	Count       int
	Fingerprint string
}

func (p *Portal) homeData(ctx context.Context, m store.Member) (homeData, error) {
	now := p.now()
	accts, err := p.d.Store.AccountsOfOwner(ctx, m.ID, maxAccounts)
	if err != nil {
		return homeData{}, err
	}
	apps := map[string]store.Application{}
	byApp := map[string]*appView{}
	var order []string
	fp := sha256.New()
	fmt.Fprintf(fp, "lockall=%v;", m.LockAll)
	set := p.tenantPolicies(ctx, m.TenantID)
	for _, a := range accts {
		app, ok := apps[a.AppID]
		if !ok {
			if app, err = p.d.Store.Application(ctx, a.AppID); err != nil {
				return homeData{}, err
			}
			apps[a.AppID] = app
			byApp[a.AppID] = &appView{App: app, Presets: presets(app), Max: humanDuration(app.MaxUnlock)}
			order = append(order, a.AppID)
		}
		v, found, err := p.viewAccount(ctx, app, a, now)
		if err != nil {
			return homeData{}, err
		}
		if !found {
			continue
		}
		if hold := policyHold(set, app, a, v, now); hold != "" {
			v.Detail = hold
		}
		if p.d.Approvals != nil {
			v.Ask = askPresets(set, app, a, now)
		}
		fmt.Fprintf(fp, "%s=%v,%s,%s,%v,%s,%d;", a.ID, v.Locked, v.Status, v.Until.Format(time.RFC3339Nano), v.Once, v.Detail, len(v.Ask))
		byApp[a.AppID].Accounts = append(byApp[a.AppID].Accounts, v)
	}
	out := homeData{LockAll: m.LockAll, Count: len(accts), Extend: p.d.Approvals != nil}
	for _, id := range order {
		out.Apps = append(out.Apps, *byApp[id])
	}
	slices.SortStableFunc(out.Apps, func(a, b appView) int { return strings.Compare(a.App.Name, b.App.Name) })

	reqs, err := p.d.Store.RequestsOfOwner(ctx, m.ID, 30)
	if err != nil {
		return homeData{}, err
	}
	for _, q := range reqs {
		acct, err := p.d.Store.AccountByID(ctx, q.AccountID)
		if err != nil {
			return homeData{}, err
		}
		app, ok := apps[q.AppID]
		if !ok {
			if app, err = p.d.Store.Application(ctx, q.AppID); err != nil {
				return homeData{}, err
			}
			apps[q.AppID] = app
		}
		v := requestView{Request: q, Account: acct.Name, App: app.Name, Open: q.Open(now), Default: humanDuration(app.DefaultUnlock),
			Asked: q.Kind == store.RequestAhead || q.Kind == store.RequestExtend}
		if v.Open {
			out.Pending = append(out.Pending, v)
		} else if len(out.History) < 10 {
			if v.Request.Status == store.RequestPending {
				v.Request.Status = store.RequestExpired // run out; the expiry job will mark it
			}
			out.History = append(out.History, v)
		}
		fmt.Fprintf(fp, "%s=%v,%s,%d;", q.ID, v.Open, q.Status, q.Checks)
	}
	out.Fingerprint = hex.EncodeToString(fp.Sum(nil))
	return out, nil
}

// viewAccount says what state account a of app is in, as the pages show
// it; found is false when the store no longer has it.
func (p *Portal) viewAccount(ctx context.Context, app store.Application, a store.Account, now time.Time) (accountView, bool, error) {
	st, err := p.d.Store.CheckState(ctx, app.ID, a.Name)
	if err != nil || !st.Found {
		return accountView{}, false, err
	}
	d, err := p.d.Check.Evaluate(ctx, app, st, now)
	if err != nil {
		return accountView{}, false, err
	}
	v := accountView{Account: a, Locked: d.Locked, Status: d.Status}
	switch {
	case d.Status == lock.StatusLockdown:
		v.Hard, v.State, v.Reason = true, "Locked", d.Reason
		v.Detail = map[string]string{
			string(lock.HardLockApplication): "An administrator locked this application.",
			string(lock.HardLockMember):      "An administrator locked your accounts.",
			string(lock.HardLockEverything):  "You locked everything.",
			string(lock.HardLockPolicy):      "A lock policy applies now.",
		}[d.Reason]
	case !d.Locked && st.Grant != nil && st.Grant.Usable(now):
		v.State, v.Until, v.Once = "Open", st.Grant.Until, st.Grant.Once
		if v.Once {
			v.Detail = "Open for the next sign-in only."
		}
	case !d.Locked:
		v.State = "Open"
		v.Detail = lock.Message(d.Status, false)
	default:
		v.State = "Locked"
	}
	if p.d.BreakGlass != nil && v.Locked {
		if c, err := breakglass.Cap(ctx, p.d.Store, a); err == nil {
			v.BreakGlass = min(c, app.MaxUnlock)
		} else if !errors.Is(err, breakglass.ErrNotMarked) {
			return accountView{}, false, err
		}
	}
	return v, true, nil
}

// presets are the unlock lengths offered for app, none beyond its maximum.
func presets(app store.Application) []preset {
	var out []preset
	seen := map[time.Duration]bool{}
	for _, d := range []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 8 * time.Hour, app.DefaultUnlock} {
		if d > app.MaxUnlock || seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, preset{D: d, Value: humanDuration(d), Label: humanDuration(d), Default: d == app.DefaultUnlock})
	}
	slices.SortFunc(out, func(a, b preset) int {
		return int((a.D - b.D) / time.Second)
	})
	return out
}

// requireHome is requireSession, then what the member's accounts page
// shows.
func (p *Portal) requireHome(w http.ResponseWriter, r *http.Request) (signedIn, homeData, bool, error) {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return s, homeData{}, false, err
	}
	data, err := p.homeData(r.Context(), s.member)
	return s, data, err == nil, err
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) error {
	s, data, ok, err := p.requireHome(w, r)
	if !ok {
		return err
	}
	p.render(w, r, http.StatusOK, "home", map[string]any{"Title": "Your accounts", "Member": s.member, "Home": data,
		"Notice": notice(r)})
	return nil
}

// homeFragment renders the live part of the accounts page alone.
func (p *Portal) homeFragment(w http.ResponseWriter, r *http.Request) error {
	s, data, ok, err := p.requireHome(w, r)
	if !ok {
		return err
	}
	w.Header().Set("X-Fingerprint", data.Fingerprint)
	return p.renderFragment(w, "home", "live", map[string]any{"Member": s.member, "Home": data})
}

// events streams "changed" whenever what the accounts page shows changes.
func (p *Portal) events(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	notices, stop := p.d.Broker.Subscribe(s.member.ID)
	defer stop()
	tick := time.NewTicker(p.d.Poll)
	defer tick.Stop()

	// The page says what it shows; anything newer is sent at once.
	last := r.URL.Query().Get("fp")
	send := func(format string, args ...any) bool {
		// The server's write timeout would end the stream; each event
		// extends it.
		rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 2000\n: connected\n\n") {
		return nil
	}
	idle := 0
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return nil
			case <-p.closing:
				return nil
			case _, open := <-notices:
				if !open { // pushed out by the member's newer streams
					return nil
				}
			case <-tick.C:
			}
		}
		cur, err := p.session(r)
		if err != nil {
			send("event: signedout\ndata: {}\n\n")
			return nil
		}
		data, err := p.homeData(ctx, cur.member)
		if err != nil {
			continue // the store hiccuped; the next round tries again
		}
		switch {
		case data.Fingerprint != last:
			last = data.Fingerprint
			idle = 0
			if !send("event: changed\ndata: {}\n\n") {
				return nil
			}
		default:
			if idle++; idle*int(p.d.Poll/time.Second+1) >= 20 { // a keep-alive every ~20 s
				idle = 0
				if !send(": ping\n\n") {
					return nil
				}
			}
		}
	}
}

// ownAccount finds an account of the signed-in member and its application.
func (p *Portal) ownAccount(r *http.Request, s signedIn) (store.Account, store.Application, error) {
	a, err := p.d.Store.AccountByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return store.Account{}, store.Application{}, err
	}
	if a.OwnerID != s.member.ID {
		return store.Account{}, store.Application{}, store.ErrNotFound
	}
	app, err := p.d.Store.Application(r.Context(), a.AppID)
	return a, app, err
}

// requireOwnAccount is requireSession, then ownAccount.
func (p *Portal) requireOwnAccount(w http.ResponseWriter, r *http.Request) (signedIn, store.Account, store.Application, bool, error) {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return s, store.Account{}, store.Application{}, false, err
	}
	a, app, err := p.ownAccount(r, s)
	return s, a, app, err == nil, err
}

func (p *Portal) done(w http.ResponseWriter, r *http.Request, s signedIn, code string) {
	p.d.Broker.Publish(s.member.ID)
	seeOther(w, r, "/?done="+code)
}

func (p *Portal) accountLock(w http.ResponseWriter, r *http.Request) error {
	s, a, app, ok, err := p.requireOwnAccount(w, r)
	if !ok {
		return err
	}
	if _, err := p.d.Access.Lock(r.Context(), s.actor(), app, a.Name); err != nil {
		return err
	}
	p.done(w, r, s, "locked")
	return nil
}

func (p *Portal) accountUnlock(w http.ResponseWriter, r *http.Request) error {
	s, a, app, ok, err := p.requireOwnAccount(w, r)
	if !ok {
		return err
	}
	once := r.FormValue("once") != ""
	v := r.FormValue("custom")
	if v == "" {
		v = r.FormValue("for")
	}
	d, err := parseDuration("", v)
	if err != nil {
		return err
	}
	if d > app.MaxUnlock {
		return tooLong(app)
	}
	reason := "portal"
	if _, err := p.d.Access.Unlock(r.Context(), s.actor(), app, a.Name, access.Unlock{For: d, Once: once, Reason: reason}); err != nil {
		return err
	}
	if once {
		p.done(w, r, s, "once")
	} else {
		p.done(w, r, s, "unlocked")
	}
	return nil
}

// tooLong is the page error for an unlock longer than app allows.
func tooLong(app store.Application) error {
	return &pageError{Status: http.StatusBadRequest, Title: "Too long",
		Message: fmt.Sprintf("%s allows unlocking for %s at most. Choose a shorter time.", app.Name, humanDuration(app.MaxUnlock))}
}

func (p *Portal) lockEverything(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	on := r.FormValue("on") != "false"
	if _, err := p.d.Access.LockEverything(r.Context(), s.actor(), s.member.ID, on); err != nil {
		return err
	}
	if on {
		p.done(w, r, s, "everything")
	} else {
		p.done(w, r, s, "lifted")
	}
	return nil
}

func (p *Portal) requestApprove(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	d, err := parseDuration("", r.FormValue("for"))
	if err != nil {
		return err
	}
	dec := access.Decision{Approve: true, For: d, Once: r.FormValue("once") != ""}
	if _, err := p.d.Requests.Decide(r.Context(), s.actor(), s.member.ID, r.PathValue("id"), dec); err != nil {
		return err
	}
	p.done(w, r, s, "approved")
	return nil
}

func (p *Portal) requestDeny(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if _, err := p.d.Requests.Decide(r.Context(), s.actor(), s.member.ID, r.PathValue("id"), access.Decision{}); err != nil {
		return err
	}
	p.done(w, r, s, "denied")
	return nil
}

package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The accounts page of an application, for its tenant's owners and admins:
// search by name prefix, a page of accounts at a time (keyset paging by
// name, so a million accounts are never read at once), each account's
// state and owner, lock and unlock, enrol one account, and CSV import
// (imports.go). Every change goes through package access, as the CLI's.

// accountsPerPage is how many accounts the accounts page lists at once.
const accountsPerPage = 50

// accountsCounted bounds how far the admin pages count an application's
// accounts: counting a million takes the better part of a second, reading
// a thousand names a few milliseconds.
const accountsCounted = 1000

// accountCount is how many accounts an application has, up to
// accountsCounted; Over says there are more.
type accountCount struct {
	N    int
	Over bool
}

func (c accountCount) String() string {
	if c.Over {
		return fmt.Sprintf("more than %d", c.N)
	}
	return strconv.Itoa(c.N)
}

// One reports whether the count is exactly one.
func (c accountCount) One() bool { return c.N == 1 && !c.Over }

// countAccounts counts app's accounts up to accountsCounted.
func (p *Portal) countAccounts(ctx context.Context, appID string) (accountCount, error) {
	l, err := p.d.Store.Accounts(ctx, appID, "", accountsCounted+1)
	if err != nil {
		return accountCount{}, err
	}
	if len(l) > accountsCounted {
		return accountCount{N: accountsCounted, Over: true}, nil
	}
	return accountCount{N: len(l)}, nil
}

// adminAccountRow is one account on an application's accounts page.
type adminAccountRow struct {
	accountView
	Owner string // the owner's email, or ""
}

// adminHardLock says, for administrators, which hard lock holds an account.
var adminHardLock = map[string]string{
	string(lock.HardLockApplication): "The application is locked down.",
	string(lock.HardLockMember):      "An administrator locked its owner's accounts.",
	string(lock.HardLockEverything):  "Its owner locked everything.",
	string(lock.HardLockPolicy):      "A lock policy applies now.",
}

// accountPage is one page of an application's accounts whose names start
// with prefix, after the name after.
type accountPage struct {
	Rows []adminAccountRow
	Next string // the name to continue after, or "" on the last page
}

// listAccounts reads one page of app's accounts whose names start with
// prefix and sort after after (all when both are empty), using only the
// store's name-ordered listing: names sharing a prefix are adjacent.
func (p *Portal) listAccounts(ctx context.Context, app store.Application, prefix, after string) ([]store.Account, string, error) {
	var out []store.Account
	if after < prefix {
		// The listing is exclusive of its start: the prefix itself may
		// be an account.
		a, err := p.d.Store.Account(ctx, app.ID, prefix)
		switch {
		case err == nil:
			out = append(out, a)
		case !errors.Is(err, store.ErrNotFound):
			return nil, "", err
		}
		after = prefix
	}
	list, err := p.d.Store.Accounts(ctx, app.ID, after, accountsPerPage+1-len(out))
	if err != nil {
		return nil, "", err
	}
	for _, a := range list {
		if !strings.HasPrefix(a.Name, prefix) {
			return out, "", nil
		}
		out = append(out, a)
	}
	if len(out) > accountsPerPage {
		out = out[:accountsPerPage]
		return out, out[len(out)-1].Name, nil
	}
	return out, "", nil
}

func (p *Portal) adminAccounts(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	return p.adminAccountsPage(w, r, s, app, http.StatusOK, nil)
}

// adminAccountsPage renders the accounts page; imp is an import form to
// show again with the rows it refused, or nil.
func (p *Portal) adminAccountsPage(w http.ResponseWriter, r *http.Request, s signedIn, app store.Application, status int, imp *importCheck) error {
	ctx := r.Context()
	q := r.URL.Query()
	prefix, after := strings.TrimSpace(q.Get("q")), q.Get("after")
	accts, next, err := p.listAccounts(ctx, app, prefix, after)
	if err != nil {
		return err
	}
	total, err := p.countAccounts(ctx, app.ID)
	if err != nil {
		return err
	}
	now := p.now()
	owners := map[string]string{}
	var rows []adminAccountRow
	for _, a := range accts {
		v, found, err := p.viewAccount(ctx, app, a, now)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if v.Hard {
			v.Detail = adminHardLock[v.Reason]
		}
		row := adminAccountRow{accountView: v}
		if a.OwnerID != "" {
			email, ok := owners[a.OwnerID]
			if !ok {
				m, err := p.d.Store.Member(ctx, a.OwnerID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				email, owners[a.OwnerID] = m.Email, m.Email
			}
			row.Owner = email
		}
		rows = append(rows, row)
	}
	var nextURL string
	if next != "" {
		nextURL = accountsURL(app.ID, prefix, next, "")
	}
	data := map[string]any{"App": app, "Rows": rows, "Total": total, "Q": prefix, "After": after, "Next": nextURL,
		"First": accountsURL(app.ID, prefix, "", ""), "Presets": presets(app), "Max": humanDuration(app.MaxUnlock),
		"Imports": p.imports.ofApp(app.ID), "Import": imp, "MaxUpload": maxUploadMB}
	data["Title"], data["Member"], data["Section"] = app.Name+": accounts", s.member, "accounts"
	data["Notice"] = notice(r)
	p.render(w, r, status, "admin", data)
	return nil
}

// accountsURL is the accounts page of app for a search and page, with an
// optional notice.
func accountsURL(appID, prefix, after, done string) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": prefix, "after": after, "done": done} {
		if s != "" {
			v.Set(k, s)
		}
	}
	u := "/admin/apps/" + url.PathEscape(appID) + "/accounts"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// requireAdminAccount is requireAdminApp, then the path's {account} found
// by ID among that application's accounts.
func (p *Portal) requireAdminAccount(w http.ResponseWriter, r *http.Request) (signedIn, store.Application, store.Account, bool, error) {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return s, app, store.Account{}, false, err
	}
	a, err := p.d.Store.AccountByID(r.Context(), r.PathValue("account"))
	if err == nil && (a.AppID != app.ID || a.TenantID != app.TenantID) {
		err = store.ErrNotFound
	}
	return s, app, a, err == nil, err
}

// backToAccounts sends the browser back to the accounts page it came from.
func (p *Portal) backToAccounts(w http.ResponseWriter, r *http.Request, app store.Application, owner, done string) {
	if owner != "" {
		p.d.Broker.Publish(owner)
	}
	http.Redirect(w, r, accountsURL(app.ID, strings.TrimSpace(r.FormValue("q")), r.FormValue("after"), done), http.StatusSeeOther)
}

func (p *Portal) adminAccountLock(w http.ResponseWriter, r *http.Request) error {
	s, app, a, ok, err := p.requireAdminAccount(w, r)
	if !ok {
		return err
	}
	if _, err := p.d.Access.Lock(r.Context(), s.actor(), app, a.Name); err != nil {
		return err
	}
	p.backToAccounts(w, r, app, a.OwnerID, "locked")
	return nil
}

func (p *Portal) adminAccountUnlock(w http.ResponseWriter, r *http.Request) error {
	s, app, a, ok, err := p.requireAdminAccount(w, r)
	if !ok {
		return err
	}
	d, err := parseDuration("", r.FormValue("for"))
	if err != nil {
		return err
	}
	if d > app.MaxUnlock {
		return tooLong(app)
	}
	if _, err := p.d.Access.Unlock(r.Context(), s.actor(), app, a.Name, access.Unlock{For: d, Reason: "portal (administrator)"}); err != nil {
		return err
	}
	p.backToAccounts(w, r, app, a.OwnerID, "unlocked")
	return nil
}

func (p *Portal) adminAccountEnroll(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	name, owner := r.FormValue("account"), strings.TrimSpace(r.FormValue("owner"))
	a, err := p.d.Access.Enroll(r.Context(), s.actor(), app, name, owner)
	if errors.Is(err, store.ErrConflict) {
		return &pageError{Status: http.StatusConflict, Title: "Already enrolled",
			Message: "That account is enrolled already. Search for it to see its state.", Back: accountsURL(app.ID, name, "", ""), Cause: err}
	}
	if err != nil {
		return withBack(invalidInput(err), accountsURL(app.ID, "", "", ""))
	}
	p.backToAccounts(w, r, app, a.OwnerID, "enrolled")
	return nil
}

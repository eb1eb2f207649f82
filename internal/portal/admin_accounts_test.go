package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// upload posts a multipart form with one file to the portal.
func (e *env) upload(path string, fields url.Values, filename, content string, cookie *http.Cookie) resp {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write([]byte(content))
	mw.Close()
	r := httptest.NewRequest("POST", publicURL+path, &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	e.portal.ServeHTTP(w, r)
	return resp{code: w.Code, header: w.Header(), body: w.Body.String()}
}

// auditActions lists the tenant's audit actions by actor.
func (e *env) auditActions(actor string) []string {
	e.t.Helper()
	recs, err := e.store.AuditRecords(e.t.Context(), e.app.TenantID, 0, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if r.Actor == actor {
			out = append(out, r.Action)
		}
	}
	return out
}

var accountRow = regexp.MustCompile(`<tr data-account="([^"]+)" data-state="([a-z]+)"`)

// accountsShown lists the accounts a page shows, with their state.
func accountsShown(body string) map[string]string {
	out := map[string]string{}
	for _, m := range accountRow.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[1])] = m[2]
	}
	return out
}

// TestAdminAccountsPage: an owner sees an application's accounts with
// their state and owner, searches them, locks and unlocks them and enrols
// one, each change through package access with its audit event.
func TestAdminAccountsPage(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, cookie := e.owner("olive@acme.test")
	page := "/admin/apps/" + e.app.ID + "/accounts"

	r := e.do("GET", page, nil, cookie)
	if r.code != 200 {
		t.Fatalf("accounts page: %d %s", r.code, r.body)
	}
	if got := accountsShown(r.body); got["alice"] != "locked" || got["bob"] != "locked" || len(got) != 2 {
		t.Fatalf("accounts shown %v", got)
	}
	if !strings.Contains(r.body, "alice@acme.test") {
		t.Fatal("the owner is not shown")
	}
	if got := accountsShown(e.do("GET", page+"?q=al", nil, cookie).body); len(got) != 1 || got["alice"] == "" {
		t.Fatalf("search al: %v", got)
	}
	if got := accountsShown(e.do("GET", page+"?q=zed", nil, cookie).body); len(got) != 0 {
		t.Fatalf("search zed: %v", got)
	}

	// Unlock bob for the preset the page offers, then lock him again.
	bob := e.account("bob")
	r = e.do("POST", page+"/"+bob.ID+"/unlock", url.Values{"for": {"10 min"}, "q": {"b"}}, cookie)
	if r.code != http.StatusSeeOther || r.header.Get("Location") != page+"?done=unlocked&q=b" {
		t.Fatalf("unlock: %d %s", r.code, r.header.Get("Location"))
	}
	g, err := e.store.CurrentGrant(ctx, bob.ID)
	if err != nil || !g.Until.Equal(e.clock.Now().Add(10*time.Minute)) || g.GrantedBy != "member:olive@acme.test" {
		t.Fatalf("grant %+v %v", g, err)
	}
	if got := accountsShown(e.do("GET", page, nil, cookie).body); got["bob"] != "open" {
		t.Fatalf("after unlock: %v", got)
	}
	if r := e.do("POST", page+"/"+bob.ID+"/unlock", url.Values{"for": {"2 h"}}, cookie); r.code != http.StatusBadRequest {
		t.Fatalf("unlock beyond the maximum: %d", r.code)
	}
	if r := e.do("POST", page+"/"+bob.ID+"/lock", nil, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("lock: %d", r.code)
	}
	if got := accountsShown(e.do("GET", page, nil, cookie).body); got["bob"] != "locked" {
		t.Fatalf("after lock: %v", got)
	}

	// Enrol: a new account with a new owner; again is a conflict; a bad
	// owner changes nothing.
	r = e.do("POST", page, url.Values{"account": {"carol"}, "owner": {"carol@acme.test"}}, cookie)
	if r.code != http.StatusSeeOther {
		t.Fatalf("enrol: %d %s", r.code, r.body)
	}
	carol := e.account("carol")
	if m, err := e.store.Member(ctx, carol.OwnerID); err != nil || m.Email != "carol@acme.test" {
		t.Fatalf("carol's owner %+v %v", m, err)
	}
	if r := e.do("POST", page, url.Values{"account": {"carol"}}, cookie); r.code != http.StatusConflict {
		t.Fatalf("enrolling again: %d", r.code)
	}
	for _, bad := range []url.Values{{"account": {"dave"}, "owner": {"not an email"}}, {"account": {" padded "}}, {"account": {""}}} {
		if r := e.do("POST", page, bad, cookie); r.code != http.StatusBadRequest {
			t.Errorf("enrol %v: %d", bad, r.code)
		}
	}
	if n, _ := e.store.CountAccounts(ctx, e.app.ID); n != 3 {
		t.Fatalf("%d accounts after the refused enrolments, want 3", n)
	}
	got := e.auditActions("member:olive@acme.test")
	for _, want := range []string{"account.unlocked", "account.locked", "account.enrolled"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit by the owner lacks %s: %v", want, got)
		}
	}
}

// TestAdminAccountsTenantAndRoles: another tenant's owner gets 404 on the
// accounts of an application it does not own and changes nothing; members
// and approvers of the tenant are refused.
func TestAdminAccountsTenantAndRoles(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	other, _ := e.admin.CreateTenant(ctx, "test", "globex")
	_, gina := e.member(other.ID, "gina@globex.test", store.RoleOwner)
	gapp, err := e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: other.ID, Name: "G", Issuer: "https://g.globex.test"})
	if err != nil {
		t.Fatal(err)
	}
	_, approver := e.member(e.app.TenantID, "pat@acme.test", store.RoleApprover)
	member := e.signIn(e.alice)

	bob := e.account("bob")
	page := "/admin/apps/" + e.app.ID + "/accounts"
	csv := "account,owner\nzoe,zoe@acme.test\n"
	for _, c := range []struct {
		who    string
		cookie *http.Cookie
		want   int
	}{{"another tenant's owner", gina, http.StatusNotFound}, {"an approver", approver, http.StatusForbidden}, {"a member", member, http.StatusForbidden}} {
		if r := e.do("GET", page, nil, c.cookie); r.code != c.want {
			t.Errorf("%s: GET accounts: %d, want %d", c.who, r.code, c.want)
		}
		if r := e.do("POST", page+"/"+bob.ID+"/unlock", url.Values{"for": {"10 min"}}, c.cookie); r.code != c.want {
			t.Errorf("%s: unlock: %d, want %d", c.who, r.code, c.want)
		}
		if r := e.do("POST", page+"/"+bob.ID+"/lock", nil, c.cookie); r.code != c.want {
			t.Errorf("%s: lock: %d, want %d", c.who, r.code, c.want)
		}
		if r := e.do("POST", page, url.Values{"account": {"mallory"}}, c.cookie); r.code != c.want {
			t.Errorf("%s: enrol: %d, want %d", c.who, r.code, c.want)
		}
		if r := e.upload("/admin/apps/"+e.app.ID+"/imports", nil, "a.csv", csv, c.cookie); r.code != c.want {
			t.Errorf("%s: import: %d, want %d", c.who, r.code, c.want)
		}
		if r := e.do("POST", "/admin/apps/"+e.app.ID+"/state", url.Values{"set": {"lockdown"}, "confirm": {"Wiki"}}, c.cookie); r.code != c.want {
			t.Errorf("%s: lock down: %d, want %d", c.who, r.code, c.want)
		}
	}
	// The tenant's own owner is refused too when the form comes from
	// another site.
	_, owner := e.owner("olive@acme.test")
	for path, form := range map[string]url.Values{
		page + "/" + bob.ID + "/unlock":      {"for": {"10 min"}},
		page:                                 {"account": {"mallory"}},
		"/admin/apps/" + e.app.ID + "/state": {"set": {"lockdown"}, "confirm": {"Wiki"}},
	} {
		if r := e.do("POST", path, form, owner, "Sec-Fetch-Site", "cross-site"); r.code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d", path, r.code)
		}
	}
	// Its own application with our account's ID is no way in either.
	if r := e.do("POST", "/admin/apps/"+gapp.ID+"/accounts/"+bob.ID+"/unlock", url.Values{"for": {"10 min"}}, gina); r.code != http.StatusNotFound {
		t.Errorf("unlock through its own application: %d", r.code)
	}
	if _, err := e.store.CurrentGrant(ctx, bob.ID); err == nil {
		t.Fatal("bob was unlocked")
	}
	if n, _ := e.store.CountAccounts(ctx, e.app.ID); n != 2 {
		t.Fatalf("%d accounts, want 2: something was enrolled", n)
	}
	if app, _ := e.store.Application(ctx, e.app.ID); app.LockedDown {
		t.Fatal("the application was locked down")
	}
}

// TestAdminAccountsPaging: a page shows at most 50 accounts; following
// "Next page" lists every account exactly once, with and without a search.
func TestAdminAccountsPaging(t *testing.T) {
	e := newEnv(t, publicURL)
	_, cookie := e.owner("olive@acme.test")
	var csv strings.Builder
	csv.WriteString("account\n")
	for i := range 120 {
		fmt.Fprintf(&csv, "user%03d\n", i)
	}
	e.importCSV(cookie, csv.String(), nil)

	for _, c := range []struct {
		q    string
		want int
	}{{"", 122}, {"user0", 100}, {"user1", 20}, {"user", 120}} {
		seen := map[string]bool{}
		next := "/admin/apps/" + e.app.ID + "/accounts?q=" + url.QueryEscape(c.q)
		pages := 0
		for next != "" {
			r := e.do("GET", next, nil, cookie)
			if r.code != 200 {
				t.Fatalf("%s: %d", next, r.code)
			}
			got := accountsShown(r.body)
			if len(got) > 50 {
				t.Fatalf("%s: %d accounts on one page", next, len(got))
			}
			for name := range got {
				if seen[name] || !strings.HasPrefix(name, c.q) {
					t.Fatalf("%s: %s shown twice or not matching", next, name)
				}
				seen[name] = true
			}
			next = ""
			if m := regexp.MustCompile(`<a href="([^"]+)" id="next-page"`).FindStringSubmatch(r.body); m != nil {
				next = html.UnescapeString(m[1])
			}
			pages++
		}
		if len(seen) != c.want || pages != (c.want+49)/50 {
			t.Errorf("q=%q: %d accounts on %d pages, want %d", c.q, len(seen), pages, c.want)
		}
	}
}

// TestAccountCountBounded: the admin pages count an application's accounts
// only up to a thousand (a million would take a second a page).
func TestAccountCountBounded(t *testing.T) {
	e := newEnv(t, publicURL)
	_, cookie := e.owner("olive@acme.test")
	count := regexp.MustCompile(`<p id="account-count">([^<]*) in Wiki`)
	if m := count.FindStringSubmatch(e.do("GET", "/admin/apps/"+e.app.ID+"/accounts", nil, cookie).body); m == nil || m[1] != "2 accounts" {
		t.Fatalf("count of 2: %v", m)
	}
	var csv strings.Builder
	csv.WriteString("account\n")
	for i := range 999 {
		fmt.Fprintf(&csv, "u%04d\n", i)
	}
	e.importCSV(cookie, csv.String(), nil)
	if m := count.FindStringSubmatch(e.do("GET", "/admin/apps/"+e.app.ID+"/accounts", nil, cookie).body); m == nil || m[1] != "more than 1000 accounts" {
		t.Fatalf("count of 1001: %v", m)
	}
	if r := e.do("GET", "/admin/apps", nil, cookie); !strings.Contains(r.body, `aria-label="more than 1000 accounts of Wiki">more than 1000</a>`) {
		t.Fatal("the applications page does not bound the count")
	}
}

// importCSV uploads a CSV file and waits for its import to end; it returns
// the import's final status.
func (e *env) importCSV(cookie *http.Cookie, csv string, fields url.Values) map[string]any {
	e.t.Helper()
	r := e.upload("/admin/apps/"+e.app.ID+"/imports", fields, "accounts.csv", csv, cookie)
	if r.code != http.StatusSeeOther {
		e.t.Fatalf("import: %d %s", r.code, r.body)
	}
	job := r.header.Get("Location")
	for after := -1; ; {
		r := e.do("GET", fmt.Sprintf("%s?after=%d", job, after), nil, cookie, "Accept", "application/json")
		var st map[string]any
		if err := json.Unmarshal([]byte(r.body), &st); r.code != 200 || err != nil {
			e.t.Fatalf("import status: %d %s", r.code, r.body)
		}
		if st["state"] != "running" {
			if page := e.do("GET", job, nil, cookie); page.code != 200 || !strings.Contains(page.body, `data-state="`+st["state"].(string)+`"`) {
				e.t.Fatalf("import page: %d", page.code)
			}
			return st
		}
		after = int(st["done"].(float64))
	}
}

// TestAdminCSVImport: the same rules as `deadbolt import accounts`: a
// file with a bad row imports nothing and lists the bad rows by line;
// "skip bad rows" imports the good ones; a good file imports with one
// audit event.
func TestAdminCSVImport(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, cookie := e.owner("olive@acme.test")
	path := "/admin/apps/" + e.app.ID + "/imports"
	bad := "account,owner,state\ncarol,carol@acme.test,locked\ndave,not-an-email,\nerin,,unlocked\nfrank,,sideways\n"

	r := e.upload(path, nil, "bad.csv", bad, cookie)
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d", r.code)
	}
	lines := regexp.MustCompile(`<td data-label="Line">(\d+)</td>`).FindAllStringSubmatch(r.body, -1)
	if len(lines) != 2 || lines[0][1] != "3" || lines[1][1] != "5" {
		t.Fatalf("bad lines listed %v", lines)
	}
	if n, _ := e.store.CountAccounts(ctx, e.app.ID); n != 2 {
		t.Fatalf("a file with bad rows imported something: %d accounts", n)
	}
	if r := e.upload(path, nil, "nohead.csv", "name\nx\n", cookie); r.code != http.StatusBadRequest {
		t.Fatalf("no account column: %d", r.code)
	}
	if r := e.upload(path, nil, "", "", cookie); r.code != http.StatusBadRequest {
		t.Fatalf("no file: %d", r.code)
	}

	st := e.importCSV(cookie, bad, url.Values{"skip_bad": {"1"}})
	res := st["result"].(map[string]any)
	if st["state"] != "done" || res["enrolled"] != 2.0 || res["skipped_bad_rows"] != 2.0 || res["unlocked"] != 1.0 {
		t.Fatalf("import with skipped rows: %v", st)
	}
	if _, err := e.store.CurrentGrant(ctx, e.account("erin").ID); err != nil {
		t.Fatalf("erin was imported unlocked: %v", err)
	}
	// The same good file again changes nothing twice.
	st = e.importCSV(cookie, "account\ncarol\nerin\ngail\n", nil)
	if res := st["result"].(map[string]any); res["enrolled"] != 1.0 || res["already_enrolled"] != 2.0 {
		t.Fatalf("second import: %v", st)
	}
	if got := e.auditActions("member:olive@acme.test"); len(got) != 2 || got[0] != "accounts.imported" || got[1] != "accounts.imported" {
		t.Fatalf("audit %v", got)
	}
	// The accounts page lists the imports.
	if r := e.do("GET", "/admin/apps/"+e.app.ID+"/accounts", nil, cookie); !strings.Contains(r.body, "Recent imports") {
		t.Fatal("the imports are not listed")
	}
}

// TestDangerZone: lock-down and turning checks off need the application's
// name typed; the settings form no longer changes either.
func TestDangerZone(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, cookie := e.owner("olive@acme.test")
	path := "/admin/apps/" + e.app.ID + "/state"
	app := func() store.Application { a, _ := e.store.Application(ctx, e.app.ID); return a }

	for _, form := range []url.Values{{"set": {"lockdown"}}, {"set": {"lockdown"}, "confirm": {"CRM"}}, {"set": {"disable"}, "confirm": {""}}, {"set": {"explode"}, "confirm": {"Wiki"}}} {
		if r := e.do("POST", path, form, cookie); r.code != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", form, r.code)
		}
	}
	if a := app(); a.LockedDown || !a.Enabled {
		t.Fatalf("an unconfirmed change was made: %+v", a)
	}
	// Saving the settings leaves both alone (they were checkboxes of that
	// form, unticked meaning off).
	if r := e.do("POST", "/admin/apps/"+e.app.ID, url.Values{"name": {"Wiki"}, "unenrolled": {"allow"}, "fail_mode": {"closed"}}, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d", r.code)
	}
	if a := app(); a.LockedDown || !a.Enabled {
		t.Fatalf("saving the settings changed the danger zone: %+v", a)
	}

	r := e.do("GET", "/admin/apps/"+e.app.ID, nil, cookie)
	if !strings.Contains(r.body, `id="danger"`) || strings.Contains(r.body, `type="checkbox" name="lockdown"`) {
		t.Fatal("no danger zone, or lock-down is still a checkbox")
	}
	for _, c := range []struct {
		set     string
		check   func(store.Application) bool
		confirm string
	}{
		{"lockdown", func(a store.Application) bool { return a.LockedDown }, "Wiki"},
		{"lift-lockdown", func(a store.Application) bool { return !a.LockedDown }, " wiki "},
		{"disable", func(a store.Application) bool { return !a.Enabled }, "Wiki"},
		{"enable", func(a store.Application) bool { return a.Enabled }, "Wiki"},
	} {
		if r := e.do("POST", path, url.Values{"set": {c.set}, "confirm": {c.confirm}}, cookie); r.code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", c.set, r.code, r.body)
		}
		if !c.check(app()) {
			t.Fatalf("%s did not apply: %+v", c.set, app())
		}
	}
	if got := e.auditActions("member:olive@acme.test"); len(got) != 5 {
		t.Fatalf("audit %v: want the settings save and four changes", got)
	}
}

// TestDurationsShown: lengths of time read "10 min" and "1 h" and are read
// back the same way.
func TestDurationsShown(t *testing.T) {
	e := newEnv(t, publicURL)
	_, cookie := e.owner("olive@acme.test")
	r := e.do("GET", "/admin/apps/"+e.app.ID, nil, cookie)
	if !strings.Contains(r.body, `value="10 min"`) || !strings.Contains(r.body, `value="1 h"`) || regexp.MustCompile(`\d+m0s|h0m`).MatchString(r.body) {
		t.Fatalf("durations on the settings page:\n%s", r.body)
	}
	for in, want := range map[string]time.Duration{"1 h 30 min": 90 * time.Minute, "2 days": 48 * time.Hour, "45": 45 * time.Minute, "3h": 3 * time.Hour} {
		if r := e.do("POST", "/admin/apps/"+e.app.ID, url.Values{"name": {"Wiki"}, "unenrolled": {"allow"}, "fail_mode": {"closed"},
			"default_unlock": {"10 min"}, "max_unlock": {in}}, cookie); r.code != http.StatusSeeOther {
			t.Fatalf("max %q: %d", in, r.code)
		}
		if a, _ := e.store.Application(t.Context(), e.app.ID); a.MaxUnlock != want {
			t.Errorf("max %q saved as %s", in, a.MaxUnlock)
		}
	}
	if r := e.do("POST", "/admin/apps/"+e.app.ID, url.Values{"name": {"Wiki"}, "max_unlock": {"soon"}}, cookie); r.code != http.StatusBadRequest {
		t.Fatalf("max soon: %d", r.code)
	}
	r = e.do("POST", "/admin/apps/"+e.app.ID, url.Values{"name": {"Wiki"}, "unenrolled": {"allow"}, "fail_mode": {"closed"},
		"default_unlock": {"3 h"}, "max_unlock": {"1 h"}}, cookie)
	if r.code != http.StatusBadRequest || regexp.MustCompile(`\dm0s|h0m`).MatchString(r.body) {
		t.Fatalf("default beyond the longest: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/admin/apps/"+e.app.ID+"/accounts", nil, cookie); !strings.Contains(r.body, `<option value="10 min" selected>10 min</option>`) {
		t.Fatal("the unlock presets are not written as people read them")
	}
}

// TestHelpTextDescribed: the settings a first-time admin cannot guess have
// help text tied to their control.
func TestHelpTextDescribed(t *testing.T) {
	e := newEnv(t, publicURL)
	_, cookie := e.owner("olive@acme.test")
	for _, path := range []string{"/admin/apps", "/admin/apps/" + e.app.ID} {
		body := e.do("GET", path, nil, cookie).body
		for _, field := range []string{"issuer", "unenrolled", "fail"} {
			id := "help-" + field
			if !strings.Contains(body, `aria-describedby="`+id+`"`) || !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("%s: %s is not described", path, field)
			}
		}
	}
}

// implementationWords are what a person who only uses deadbolt should not
// have to read on an error page.
var implementationWords = regexp.MustCompile(`(?i)auth-token|\bjwt\b|\btoken\b|\bdeadbolt (member|app|key|account|tenant) |database|signature|\biss\b|\bsub\b|\benablement\b|\bnonce\b|\bceremony\b`)

// whatToDo: every error page tells the person what to do next or whom to ask.
var whatToDo = regexp.MustCompile(`(?i)administrator|\bask\b|start again|try again|reload|sign in|go back|check the link`)

// TestErrorPagesSpeakPlainly: the errors people meet outside the admin
// pages say what happened and whom to ask, without deadbolt's inner words.
func TestErrorPagesSpeakPlainly(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	expired := e.mint("carol", func(c *token.Claims) {
		c.IssuedAt, c.ExpiresAt = e.clock.Now().Add(-20*time.Minute), e.clock.Now().Add(-10*time.Minute)
	})
	foreign := e.mint("carol", func(c *token.Claims) { c.Issuer = "https://unknown.example" })
	message := regexp.MustCompile(`(?s)<section class="narrow card">\s*<h1>(.*?)</h1>\s*<p>(.*?)</p>`)
	for _, c := range []struct {
		name, method, path string
		cookie             *http.Cookie
		headers            []string
	}{
		{"enable without a token", "GET", "/enable", nil, nil},
		{"enable with garbage", "GET", "/enable?auth-token=abc", nil, nil},
		{"enable from an unknown application", "GET", "/enable?auth-token=" + foreign, nil, nil},
		{"enable expired", "GET", "/enable?auth-token=" + expired, nil, nil},
		{"enable continued without starting", "GET", "/enable/continue", nil, nil},
		{"bad setup link", "GET", "/setup?t=nope", nil, nil},
		{"no such page", "GET", "/nowhere", cookie, nil},
		{"admin pages for a member", "GET", "/admin/apps", cookie, nil},
		{"cross-origin post", "POST", "/lock-everything", cookie, []string{"Sec-Fetch-Site", "cross-site"}},
		{"not my account", "POST", "/accounts/nope/lock", cookie, nil},
	} {
		r := e.do(c.method, c.path, nil, c.cookie, c.headers...)
		m := message.FindStringSubmatch(r.body)
		if r.code < 400 || m == nil {
			t.Errorf("%s: %d, no error page", c.name, r.code)
			continue
		}
		text := html.UnescapeString(m[1] + ": " + m[2])
		if w := implementationWords.FindString(text); w != "" {
			t.Errorf("%s: %q says %q", c.name, text, w)
		}
		if !whatToDo.MatchString(text) {
			t.Errorf("%s: %q says neither what to do nor whom to ask", c.name, text)
		}
	}
}

package portal_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// servedWithAPI is an env whose portal and lock-check API answer on one
// real loopback listener, as `deadbolt serve` mounts them; its public URL
// is that listener's.
func servedWithAPI(t *testing.T) *env {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "http://"+l.Addr().String())
	mux := http.NewServeMux()
	api.New(api.Deps{Check: e.check, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Register(mux)
	mux.Handle("/", e.portal)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

// form is a form read off a page: where it posts and what it sends as the
// page stands (text inputs with their values, selected options).
type form struct {
	action string
	values url.Values
}

var (
	formTag    = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	inputTag   = regexp.MustCompile(`<input ([^>]*)>`)
	selectTag  = regexp.MustCompile(`(?s)<select name="([^"]+)"[^>]*>(.*?)</select>`)
	optionTag  = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
	stepDone   = regexp.MustCompile(`<li data-step="([a-z]+)" data-done="(yes|no)">`)
	stepLink   = regexp.MustCompile(`(?s)<li data-step="([a-z]+)" data-done="no">.*?<a href="([^"]+)">`)
	flagValue  = regexp.MustCompile(`--([a-z]+) ('[^']*'|"[^"]*"|[^\s)]+)`)
	curlParts  = regexp.MustCompile(`curl -s -X POST (\S+) -H "([^:]+): \$TOKEN" -d '([^']*)'`)
	newSecret  = regexp.MustCompile(`<code id="new-secret">([^<]+)</code>`)
	checklistH = regexp.MustCompile(`id="setup"`)
)

func attrOf(tag, name string) string {
	m := regexp.MustCompile(`\b` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func codeOf(body, id string) string {
	m := regexp.MustCompile(`<code id="` + id + `">([^<]*)</code>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// formPosting finds the page's form that posts to an action matching re.
func formPosting(t *testing.T, body string, re string) form {
	t.Helper()
	for _, m := range formTag.FindAllStringSubmatch(body, -1) {
		if !regexp.MustCompile(re).MatchString(m[1]) {
			continue
		}
		f := form{action: html.UnescapeString(m[1]), values: url.Values{}}
		for _, in := range inputTag.FindAllStringSubmatch(m[2], -1) {
			if name := attrOf(in[1], "name"); name != "" && !strings.Contains(in[1], "disabled") {
				f.values.Set(name, attrOf(in[1], "value"))
			}
		}
		for _, sel := range selectTag.FindAllStringSubmatch(m[2], -1) {
			opts := optionTag.FindAllStringSubmatch(sel[2], -1)
			for i, o := range opts {
				if i == 0 || o[2] != "" {
					f.values.Set(sel[1], html.UnescapeString(o[1]))
				}
			}
		}
		return f
	}
	t.Fatalf("no form posting to %s on the page", re)
	return form{}
}

// unquote undoes the page's shell quoting of one word.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') {
		return strings.ReplaceAll(s[1:len(s)-1], `'\''`, "'")
	}
	return s
}

// get and post fetch a page over HTTP, following redirects.
func get(t *testing.T, c *softkey.Client, path string) (int, string) {
	t.Helper()
	res, err := c.Get(context.Background(), path)
	return read(t, res, err)
}

func post(t *testing.T, c *softkey.Client, f form) (int, string) {
	t.Helper()
	res, err := c.PostForm(context.Background(), f.action, f.values)
	return read(t, res, err)
}

func read(t *testing.T, res *http.Response, err error) (int, string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// steps reads the setup checklist's steps and whether each is done.
func steps(t *testing.T, c *softkey.Client) (map[string]bool, string) {
	t.Helper()
	code, body := get(t, c, "/admin")
	if code != 200 || !checklistH.MatchString(body) {
		t.Fatalf("admin home: %d, checklist shown: %v", code, checklistH.MatchString(body))
	}
	out := map[string]bool{}
	for _, m := range stepDone.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2] == "yes"
	}
	if len(out) != 4 {
		t.Fatalf("checklist steps %v", out)
	}
	return out, body
}

// next follows the link of the first step not done.
func next(t *testing.T, c *softkey.Client, body, step string) string {
	t.Helper()
	m := stepLink.FindStringSubmatch(body)
	if m == nil || m[1] != step {
		t.Fatalf("the checklist's next step is %v, want %s", m, step)
	}
	path, _, _ := strings.Cut(html.UnescapeString(m[2]), "#")
	code, page := get(t, c, path)
	if code != 200 {
		t.Fatalf("%s: %d", m[2], code)
	}
	return page
}

// TestFirstCheckFollowingThePage: an owner of an empty organisation, with
// only their setup link, gets to a first lock check by doing what the admin
// home says: add an application, create a key, enrol an account, then run
// the commands the page shows (here, their HTTP equivalent). The
// checklist's last step is then done.
func TestFirstCheckFollowingThePage(t *testing.T) {
	e := servedWithAPI(t)
	ctx := context.Background()
	tenant, err := e.admin.CreateTenant(ctx, "test", "initech")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := e.admin.Invite(ctx, admin.Operator("test"), tenant.ID, "peter@initech.test", "Peter", store.RoleOwner, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, k := browser(t, e.portal.BaseURL())
	if _, err := c.Setup(ctx, k, portal.SetupURL(e.deps.PublicURL, inv.Secret), "laptop"); err != nil {
		t.Fatal(err)
	}

	done, body := steps(t, c)
	if done["app"] || done["key"] || done["account"] || done["check"] {
		t.Fatalf("an empty organisation has steps done: %v", done)
	}
	// 1. The page says: add an application below.
	if m := stepLink.FindStringSubmatch(body); m == nil || m[1] != "app" || m[2] != "#add-app-h" {
		t.Fatalf("first step %v: want a link to the form below", m)
	}
	f := formPosting(t, body, `^/admin/apps$`)
	f.values.Set("name", "Intranet")
	f.values.Set("issuer", "https://intranet.initech.test")
	if code, page := post(t, c, f); code != 200 || !strings.Contains(page, "Intranet") {
		t.Fatalf("add application: %d", code)
	}

	// 2. Create a signing key; the page shows its secret once.
	done, body = steps(t, c)
	if !done["app"] || done["key"] {
		t.Fatalf("after adding the application: %v", done)
	}
	page := next(t, c, body, "key")
	f = formPosting(t, page, `/keys$`)
	code, page := post(t, c, f)
	secret := newSecret.FindStringSubmatch(page)
	if code != 200 || secret == nil {
		t.Fatalf("create key: %d, secret shown: %v", code, secret != nil)
	}
	key := html.UnescapeString(secret[1])

	// 3. Enrol a first account.
	done, body = steps(t, c)
	if !done["key"] || done["account"] {
		t.Fatalf("after creating a key: %v", done)
	}
	page = next(t, c, body, "account")
	f = formPosting(t, page, `/accounts$`)
	f.values.Set("account", "milton")
	if code, page := post(t, c, f); code != 200 || !strings.Contains(page, "milton") {
		t.Fatalf("enrol: %d", code)
	}

	// 4. Run the commands the page shows.
	done, body = steps(t, c)
	if !done["account"] || done["check"] {
		t.Fatalf("after enrolling: %v", done)
	}
	mint, curl := codeOf(body, "mint-command"), codeOf(body, "check-command")
	flags := map[string]string{}
	for _, m := range flagValue.FindAllStringSubmatch(mint, -1) {
		flags[m[1]] = unquote(m[2])
	}
	if flags["issuer"] != "https://intranet.initech.test" || flags["account"] != "milton" || flags["aud"] != e.deps.PublicURL || flags["key"] != "$KEY" {
		t.Fatalf("mint command %q: %v", mint, flags)
	}
	cm := curlParts.FindStringSubmatch(curl)
	if cm == nil {
		t.Fatalf("check command %q", curl)
	}
	// `deadbolt token mint` with those flags, KEY being the secret shown.
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	tok, err := token.Mint(token.Key{Algorithm: "HS256", Secret: raw}, token.Claims{Issuer: flags["issuer"], Subject: flags["account"],
		Audience: []string{flags["aud"]}, IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(5 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, unquote(cm[1]), strings.NewReader(cm[3]))
	req.Header.Set(cm[2], tok)
	res, err := http.DefaultClient.Do(req)
	code, answer := read(t, res, err)
	var decision struct {
		Locked bool   `json:"locked"`
		Status string `json:"status"`
	}
	if code != 200 || json.Unmarshal([]byte(answer), &decision) != nil || !decision.Locked {
		t.Fatalf("the page's check: %d %s", code, answer)
	}

	done, _ = steps(t, c)
	if !done["check"] {
		t.Fatalf("after the first check: %v", done)
	}
}

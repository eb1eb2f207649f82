package portal

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
)

// pages are the templates/NAME.html files rendered inside layout.html.
// Pages added later go on lines of their own, so that pages added at
// once merge.
var pages = []string{
	"signin", "setup", "home", "passkeys", "enable", "error", "done", "settings", "admin", "verify", "stepup", "stepuplocked", "stepupwait", "sign", "approvals",
	"policies",
	"breakglass",
}

func (p *Portal) parseTemplates() error {
	funcs := template.FuncMap{
		"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"when":     when,
		"duration": humanDuration,
		"left":     func(t time.Time) string { return roughDuration(time.Until(t)) },
		"mod":      func(a, b int) int { return a % b },
		"add":      func(a, b int) int { return a + b },
		"int":      func(n int64) int { return int(n) },
		"plural":   plural,
		"status":   statusLabel,
		"asset":    func(name string) (string, error) { return p.assets.url(name) },
		// Who changes anything on the admin pages (owners, admins; not
		// auditors, who read them).
		"administers": admin.Administers,
	}
	maps.Copy(funcs, formFuncs) // the groups and policies forms'
	p.pages = map[string]*template.Template{}
	for _, page := range pages {
		t, err := template.New(page).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return fmt.Errorf("portal: template %s: %w", page, err)
		}
		p.pages[page] = t
	}
	// Every template file must be a page or the layout: a new file that
	// nobody registered is a mistake.
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if _, ok := p.pages[name]; !ok && name != "layout" {
			return fmt.Errorf("portal: template %s is not a registered page", f)
		}
	}
	return nil
}

// when formats a time for people, in UTC (the page's script shows local
// times where it runs).
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// plural is one when n is 1, else many: {{plural .N "check" "checks"}}.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// statusLabels are the words people see for the statuses of lock checks
// and sign-in requests.
var statusLabels = map[string]string{
	"not_enrolled":         "not protected",
	"lockdown":             "locked down",
	"denied_by_policy":     "refused by policy",
	"unlocked_by_schedule": "open by schedule",
	"unlocked":             "open",
	"locked":               "locked",
	"pending_approval":     "waiting for approval",
	"pending":              "waiting",
	"approved":             "approved",
	"denied":               "denied",
	"expired":              "expired",
}

// statusLabel says a status in words: "pending_approval" is "waiting for
// approval". An unknown status is shown with spaces for underscores.
func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return strings.ReplaceAll(s, "_", " ")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// seeOther ends a handler by sending the browser to url with a GET (303
// See Other: after a form, a reload does not post it again); it is the
// handler's nil error.
func seeOther(w http.ResponseWriter, r *http.Request, url string) error {
	http.Redirect(w, r, url, http.StatusSeeOther)
	return nil
}

// cookieName prefixes name with __Host- when cookies are Secure, so a
// sibling subdomain cannot plant one.
func (p *Portal) cookieName(name string) string {
	if p.secure {
		return "__Host-" + name
	}
	return name
}

func (p *Portal) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(name), Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
}

func (p *Portal) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(name), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
}

func (p *Portal) cookie(r *http.Request, name string) string {
	c, err := r.Cookie(p.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

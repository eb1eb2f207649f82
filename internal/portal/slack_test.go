package portal_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/slackapp"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestSlackLinkSettings: a member links the Slack user of their verified
// email from the settings page and unlinks it; a cross-origin POST links
// nothing; a Slack user another member holds is refused; a server
// without Slack offers nothing.
func TestSlackLinkSettings(t *testing.T) {
	users := map[string]string{"alice@acme.test": "UA", "bob@acme.test": "UA"}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/users.lookupByEmail", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			id, ok := users[r.Form.Get("email")]
			if !ok {
				json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "users_not_found"})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{"id": id, "team_id": "T1",
				"profile": map[string]any{"email": r.Form.Get("email")}}})
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	e := newEnvWith(t, publicURL, func(d *portal.Deps) {
		api := slackapp.NewClient(slackapp.Config{BotToken: "xoxb-test", APIURL: srv.GetAPIURL()}, egress.Policy{AllowPrivate: true})
		d.Slack = &slackapp.Linker{API: api, Store: d.Store, Clock: d.Clock}
	})
	ctx := t.Context()
	alice := e.signIn(e.alice)
	linked := func(m store.Member) bool {
		_, err := e.store.SlackLink(ctx, m.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	if r := e.do("GET", "/settings", nil, alice); r.code != 200 || !strings.Contains(r.body, `id="slack-link"`) {
		t.Fatalf("settings offer no Slack link: %d", r.code)
	}
	if r := e.do("POST", "/settings/slack", url.Values{}, alice, "Sec-Fetch-Site", "cross-site"); r.code != http.StatusForbidden || linked(e.alice) {
		t.Fatalf("cross-site link: %d, linked %v", r.code, linked(e.alice))
	}
	if r := e.do("POST", "/settings/slack", url.Values{}, alice); r.code != http.StatusSeeOther || !linked(e.alice) {
		t.Fatalf("link: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/settings?done=slack", nil, alice); !strings.Contains(r.body, "<code>UA</code>") || !strings.Contains(r.body, `id="slack-unlink"`) || !strings.Contains(r.body, `id="slack-pending"`) {
		t.Fatalf("settings after linking: %s", r.body)
	}
	// bob's email answers with alice's Slack user: refused, nothing linked.
	bob := e.signIn(e.bob)
	if r := e.do("POST", "/settings/slack", url.Values{}, bob); r.code != http.StatusBadRequest || linked(e.bob) {
		t.Fatalf("bob takes alice's Slack user: %d, linked %v", r.code, linked(e.bob))
	}
	if r := e.do("POST", "/settings/slack/unlink", url.Values{}, alice); r.code != http.StatusSeeOther || linked(e.alice) {
		t.Fatalf("unlink: %d", r.code)
	}

	plain := newEnv(t, publicURL)
	c := plain.signIn(plain.alice)
	if r := plain.do("GET", "/settings", nil, c); strings.Contains(r.body, `id="slack`) {
		t.Fatal("a server without Slack offers it")
	}
	if r := plain.do("POST", "/settings/slack", url.Values{}, c); r.code != http.StatusNotFound {
		t.Fatalf("link without Slack: %d", r.code)
	}
}

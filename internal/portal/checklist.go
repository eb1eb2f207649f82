package portal

import (
	"context"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The setup checklist on the admin home walks a first-time admin from an
// empty organisation to a first lock check: an application, a signing key,
// a first account, and a first check seen, with the exact commands for
// that check (this server's public URL, the application's issuer, the
// account's name).

// setupState is how far the tenant's setup got, for the application
// furthest along.
type setupState struct {
	App        *store.Application
	HasKey     bool
	Account    string // the first enrolled account, or ""
	FirstCheck time.Time
	// Mint and Curl are the commands of the first check, once there is an
	// account to check.
	Mint, Curl string
}

// Done reports whether every step is done.
func (s setupState) Done() bool { return !s.FirstCheck.IsZero() }

// steps counts the steps done.
func (s setupState) steps() int {
	n := 0
	for _, done := range []bool{s.App != nil, s.HasKey, s.Account != "", !s.FirstCheck.IsZero()} {
		if done {
			n++
		}
	}
	return n
}

// setup works out the checklist from apps: per application, an active
// key, a first account and a first check record, each one bounded read.
func (p *Portal) setup(ctx context.Context, apps []store.Application) (setupState, error) {
	var best setupState
	now := p.now()
	for i := range apps {
		app := &apps[i]
		st := setupState{App: app}
		keys, err := p.d.Store.SigningKeys(ctx, app.ID)
		if err != nil {
			return best, err
		}
		for _, k := range keys {
			st.HasKey = st.HasKey || k.Active(now)
		}
		accts, err := p.d.Store.Accounts(ctx, app.ID, "", 1)
		if err != nil {
			return best, err
		}
		if len(accts) > 0 {
			st.Account = accts[0].Name
		}
		recs, err := p.d.Store.CheckRecords(ctx, app.ID, 1)
		if err != nil {
			return best, err
		}
		if len(recs) > 0 {
			st.FirstCheck = recs[0].At
		}
		if best.App == nil || st.steps() > best.steps() {
			best = st
		}
	}
	if best.App != nil {
		account := best.Account
		if account == "" {
			account = "ACCOUNT"
		}
		public := strings.TrimRight(p.d.PublicURL, "/")
		best.Mint = "TOKEN=$(deadbolt token mint --issuer " + shellQuote(best.App.Issuer) + ` --key "$KEY" --account ` +
			shellQuote(account) + " --aud " + shellQuote(public) + ")"
		best.Curl = "curl -s -X POST " + shellQuote(public+api.PathProtectionCheck) +
			` -H "x-nl3-authorization-token: $TOKEN" -d '{"userIP":"203.0.113.7"}'`
	}
	return best, nil
}

// shellQuote quotes s for a POSIX shell, leaving plain words bare.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

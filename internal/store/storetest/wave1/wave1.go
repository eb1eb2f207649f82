package wave1

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// masterKey is the test-only master key the fixtures' secrets are sealed
// under (base64, as in a master.key file).
//
//go:embed master.key
var masterKey string

// Reader is what Check reads of the upgraded database: the store API, so
// the check does not depend on where today's code keeps a record (the
// check log, for one, may live in a file of its own).
type Reader interface {
	Tenants(ctx context.Context) ([]store.Tenant, error)
	Applications(ctx context.Context, tenantID string) ([]store.Application, error)
	SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error)
	Members(ctx context.Context, tenantID string) ([]store.Member, error)
	Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error)
	Accounts(ctx context.Context, appID, afterName string, limit int) ([]store.Account, error)
	CurrentGrant(ctx context.Context, accountID string) (store.Grant, error)
	CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error)
	CheckRecords(ctx context.Context, appID string, limit int) ([]store.CheckRecord, error)
	CheckRecord(ctx context.Context, id string) (store.CheckRecord, error)
	Webhooks(ctx context.Context, tenantID string) ([]store.Webhook, error)
	OutboxOfTenant(ctx context.Context, tenantID string, limit int) ([]store.OutboxMessage, error)
	AuditRecords(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Record, error)
	PinMasterKey(ctx context.Context, fingerprint string) error
	SchemaVersion(ctx context.Context) (have, want int, err error)
}

// Records is every record of a fixture, in the JSON shape dump.go.txt
// writes (the golden file) and Read fills from today's store.
type Records struct {
	Tenants      []store.Tenant              `json:"tenants"`
	Applications []store.Application         `json:"applications"`
	SigningKeys  []store.SigningKey          `json:"signingKeys"`
	Members      []store.Member              `json:"members"`
	Passkeys     []store.Passkey             `json:"passkeys"`
	Accounts     []store.Account             `json:"accounts"`
	Grants       map[string]store.Grant      `json:"grants"`      // by account ID
	CheckStates  map[string]store.CheckState `json:"checkStates"` // by "appID/account"
	CheckRecords []store.CheckRecord         `json:"checkRecords"`
	Webhooks     []store.Webhook             `json:"webhooks"`
	Outbox       []store.OutboxMessage       `json:"outbox"`
	Audit        map[string][]audit.Record   `json:"audit"`      // by tenant ID
	Unenrolled   map[string]store.CheckState `json:"unenrolled"` // by app ID: an account nobody enrolled
	// WikiSecret is the base64 HS256 secret `key create` printed for the
	// Wiki application (make.sh adds it; test-only).
	WikiSecret string `json:"wikiSecret,omitempty"`
}

// most is more than any list of the fixtures holds.
const most = 1000

// unenrolled names an account no fixture enrolls.
const unenrolled = "nobody-enrolled-this"

// Read reads every record of s the way dump.go.txt does.
func Read(ctx context.Context, s Reader) (Records, error) {
	r := Records{
		Grants:      map[string]store.Grant{},
		CheckStates: map[string]store.CheckState{},
		Audit:       map[string][]audit.Record{},
		Unenrolled:  map[string]store.CheckState{},
	}
	var err error
	if r.Tenants, err = s.Tenants(ctx); err != nil {
		return r, err
	}
	for _, t := range r.Tenants {
		apps, err := s.Applications(ctx, t.ID)
		if err != nil {
			return r, err
		}
		r.Applications = append(r.Applications, apps...)
		for _, a := range apps {
			if err := readApp(ctx, s, a, &r); err != nil {
				return r, err
			}
		}
		ms, err := s.Members(ctx, t.ID)
		if err != nil {
			return r, err
		}
		r.Members = append(r.Members, ms...)
		for _, m := range ms {
			pks, err := s.Passkeys(ctx, m.ID)
			if err != nil {
				return r, err
			}
			r.Passkeys = append(r.Passkeys, pks...)
		}
		hooks, err := s.Webhooks(ctx, t.ID)
		if err != nil {
			return r, err
		}
		r.Webhooks = append(r.Webhooks, hooks...)
		out, err := s.OutboxOfTenant(ctx, t.ID, most)
		if err != nil {
			return r, err
		}
		r.Outbox = append(r.Outbox, out...)
		var after int64
		for {
			recs, err := s.AuditRecords(ctx, t.ID, after, most)
			if err != nil {
				return r, err
			}
			r.Audit[t.ID] = append(r.Audit[t.ID], recs...)
			if len(recs) < most {
				break
			}
			after = recs[len(recs)-1].Seq
		}
	}
	return r, nil
}

func readApp(ctx context.Context, s Reader, a store.Application, r *Records) error {
	keys, err := s.SigningKeys(ctx, a.ID)
	if err != nil {
		return err
	}
	r.SigningKeys = append(r.SigningKeys, keys...)
	accts, err := s.Accounts(ctx, a.ID, "", most)
	if err != nil {
		return err
	}
	r.Accounts = append(r.Accounts, accts...)
	for _, acct := range accts {
		g, err := s.CurrentGrant(ctx, acct.ID)
		switch {
		case err == nil:
			r.Grants[acct.ID] = g
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		cs, err := s.CheckState(ctx, a.ID, acct.Name)
		if err != nil {
			return err
		}
		r.CheckStates[a.ID+"/"+acct.Name] = cs
	}
	cs, err := s.CheckState(ctx, a.ID, unenrolled)
	if err != nil {
		return err
	}
	r.Unenrolled[a.ID] = cs
	recs, err := s.CheckRecords(ctx, a.ID, most)
	if err != nil {
		return err
	}
	r.CheckRecords = append(r.CheckRecords, recs...)
	return nil
}

// Check reads every record of s, a database made from a wave-1 fixture and
// opened (and so migrated) by today's code, and compares it with
// goldenFile, what the wave-1 code read from the same database: every
// record and every field the wave-1 code knew must come back unchanged
// (fields added since may hold anything). It also checks what the records are for: the
// audit chains verify, sealed secrets open with the fixture's master key,
// the Wiki HS256 key verifies a token signed with its secret, and the
// schema is at today's version.
func Check(t *testing.T, s Reader, goldenFile string) {
	t.Helper()
	ctx := t.Context()
	golden, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	var want Records
	if err := json.Unmarshal(golden, &want); err != nil {
		t.Fatalf("golden: %v", err)
	}
	requireContent(t, want)

	have, want2, err := s.SchemaVersion(ctx)
	if err != nil || have != want2 {
		t.Fatalf("schema at version %d of %d after opening (%v)", have, want2, err)
	}
	got, err := Read(ctx, s)
	if err != nil {
		t.Fatalf("read the upgraded database: %v", err)
	}
	compare(t, golden, got)

	for _, r := range want.CheckRecords {
		one, err := s.CheckRecord(ctx, r.ID)
		if err != nil {
			t.Errorf("check record %s by ID: %v", r.ID, err)
			continue
		}
		for _, d := range diff("check record "+r.ID, r, one) {
			t.Error(d)
		}
	}
	for tenant, recs := range got.Audit {
		var c audit.Chain
		if n, err := c.AddAll(recs, 1); err != nil {
			t.Errorf("tenant %s: audit chain breaks after %d of %d records: %v", tenant, n, len(recs), err)
		}
	}
	checkSecrets(t, s, got, want.WikiSecret)
}

// requireContent fails when the golden file lacks a kind of record, so the
// check cannot pass by comparing nothing.
func requireContent(t *testing.T, g Records) {
	t.Helper()
	counts := map[string]int{
		"tenants": len(g.Tenants), "applications": len(g.Applications), "signing keys": len(g.SigningKeys),
		"members": len(g.Members), "accounts": len(g.Accounts), "grants": len(g.Grants),
		"check states": len(g.CheckStates), "check records": len(g.CheckRecords), "webhooks": len(g.Webhooks),
		"outbox messages": len(g.Outbox), "audit chains": len(g.Audit),
	}
	for what, n := range counts {
		if n == 0 {
			t.Fatalf("the golden file has no %s: rebuild it with make.sh", what)
		}
	}
	if g.WikiSecret == "" {
		t.Fatal("the golden file has no wikiSecret: rebuild it with make.sh")
	}
}

func checkSecrets(t *testing.T, s Reader, got Records, wikiSecret string) {
	t.Helper()
	ctx := t.Context()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(masterKey))
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PinMasterKey(ctx, box.Fingerprint()); err != nil {
		t.Errorf("the fixture's master key is refused: %v", err)
	}
	other, _ := seal.New(make([]byte, seal.KeySize))
	if err := s.PinMasterKey(ctx, other.Fingerprint()); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("another master key: %v, want ErrMasterKey", err)
	}
	for _, w := range got.Webhooks {
		if _, err := box.Open(w.SealedSecret, w.ID); err != nil {
			t.Errorf("webhook %s: the secret does not open: %v", w.ID, err)
		}
	}
	wiki, err := base64.StdEncoding.DecodeString(wikiSecret)
	if err != nil {
		t.Fatal(err)
	}
	var key *store.SigningKey
	for i, k := range got.SigningKeys {
		if k.Algorithm != store.AlgHS256 {
			continue
		}
		secret, err := box.Open(k.SealedSecret, k.KID)
		if err != nil {
			t.Errorf("key %s: the secret does not open: %v", k.KID, err)
			continue
		}
		if slices.Equal(secret, wiki) {
			key = &got.SigningKeys[i]
		}
	}
	if key == nil {
		t.Fatal("no HS256 key holds the Wiki secret")
	}
	var issuer string
	for _, a := range got.Applications {
		if a.ID == key.AppID {
			issuer = a.Issuer
		}
	}
	tk := token.Key{KID: key.KID, Algorithm: token.HS256, Secret: wiki}
	now := time.Now()
	raw2, err := token.Mint(tk, token.Claims{Issuer: issuer, Subject: "alice", Audience: []string{"https://deadbolt.test"},
		IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	v := token.Verifier{Audiences: []string{"https://deadbolt.test"}}
	claims, kid, err := v.Verify(raw2, []token.Key{tk})
	if err != nil || kid != key.KID || claims.Subject != "alice" {
		t.Errorf("a token signed with the upgraded Wiki key: kid %q, sub %q, %v", kid, claims.Subject, err)
	}
}

// compare fails for every record or field of golden that got lacks or
// holds differently. Lists are matched by record identity (ID, KID or
// Seq), not position; got may have fields golden lacks (added since), but
// not records.
func compare(t *testing.T, golden []byte, got Records) {
	t.Helper()
	var want map[string]any
	if err := json.Unmarshal(golden, &want); err != nil {
		t.Fatal(err)
	}
	delete(want, "wikiSecret")
	for _, d := range diff("", want, got) {
		t.Error(d)
	}
}

// diff lists where have, as JSON, lacks or changes what want holds.
func diff(path string, want, have any) []string {
	var w, h any
	for _, p := range []struct {
		v   any
		out *any
	}{{want, &w}, {have, &h}} {
		b, err := json.Marshal(p.v)
		if err == nil {
			err = json.Unmarshal(b, p.out)
		}
		if err != nil {
			return []string{fmt.Sprintf("%s: %v", path, err)}
		}
	}
	var diffs []string
	contains(&diffs, path, w, h)
	return diffs
}

func contains(diffs *[]string, path string, want, have any) {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v, want %v", path, have, want))
			return
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s/%s: missing, want %v", path, k, wv))
				continue
			}
			contains(diffs, path+"/"+k, wv, hv)
		}
	case []any:
		h, ok := have.([]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v, want a list of %d", path, have, len(w)))
			return
		}
		wm, hm := byIdentity(w), byIdentity(h)
		if wm == nil || hm == nil {
			if len(w) != len(h) {
				*diffs = append(*diffs, fmt.Sprintf("%s: %d items, want %d", path, len(h), len(w)))
				return
			}
			for i := range w {
				contains(diffs, fmt.Sprintf("%s[%d]", path, i), w[i], h[i])
			}
			return
		}
		for id, wv := range wm {
			hv, ok := hm[id]
			if !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s[%s]: missing", path, id))
				continue
			}
			contains(diffs, fmt.Sprintf("%s[%s]", path, id), wv, hv)
		}
		for id := range hm {
			if _, ok := wm[id]; !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s[%s]: a record the wave-1 database did not have", path, id))
			}
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(have) {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v, want %v", path, have, want))
		}
	}
}

// byIdentity maps a list of records by their ID, KID or seq (audit), or returns
// nil when its items have none (or repeat one).
func byIdentity(list []any) map[string]any {
	out := map[string]any{}
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		var id any
		for _, k := range []string{"ID", "KID", "seq"} {
			if id, ok = m[k]; ok {
				break
			}
		}
		key := fmt.Sprint(id)
		if id == nil {
			return nil
		}
		if _, dup := out[key]; dup {
			return nil
		}
		out[key] = v
	}
	return out
}

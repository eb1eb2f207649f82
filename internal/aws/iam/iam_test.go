package iam_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/iam"
	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
	"github.com/deadbolt-dev/deadbolt/internal/aws/invoke"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

const (
	denyAll = "arn:aws:iam::aws:policy/AWSDenyAll"
	secret  = "whsec_test-secret-0123456789abcdefghijklmnop"
)

func TestMain(m *testing.M) { os.Exit(awstest.Run(m)) }

var seq atomic.Int64

type env struct {
	t    *testing.T
	ctx  context.Context
	api  *awsiam.Client
	lock *awstest.LockServer
	enf  *iamstate.Enforcer
	h    *iam.Handler
	logs *awstest.Buffer
	now  time.Time
}

func newEnv(t *testing.T, cfg iam.Config) *env {
	m := awstest.Shared(t)
	e := &env{t: t, ctx: awstest.Context(t), api: m.IAM(), lock: awstest.NewLockServer(t), logs: &awstest.Buffer{},
		now: time.Now().UTC().Truncate(time.Second)}
	e.enf = iamstate.New(e.api, iamstate.Config{PolicyARN: denyAll})
	e.h = e.handler(e.lock.URL, cfg)
	return e
}

func (e *env) handler(url string, cfg iam.Config) *iam.Handler {
	key, _ := awstest.Key()
	c, err := client.New(client.Config{URL: url, Issuer: awstest.Issuer, Key: key, Timeout: 300 * time.Millisecond,
		IntegrationType: iam.IntegrationType})
	if err != nil {
		e.t.Fatal(err)
	}
	if cfg.AppURI == "" {
		cfg.AppURI = awstest.Issuer
	}
	if cfg.WebhookSecrets == nil {
		cfg.WebhookSecrets = func(context.Context) ([]string, error) {
			return []string{"whsec_old-secret-abcdefghijklmnop", secret}, nil
		}
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return e.now }
	}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return iam.New(cfg, c, e.enf, log)
}

func (e *env) user(keys ...types.StatusType) (string, []string) {
	e.t.Helper()
	name := fmt.Sprintf("iam-user-%d", seq.Add(1))
	if _, err := e.api.CreateUser(e.ctx, &awsiam.CreateUserInput{UserName: &name}); err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, s := range keys {
		out, err := e.api.CreateAccessKey(e.ctx, &awsiam.CreateAccessKeyInput{UserName: &name})
		if err != nil {
			e.t.Fatal(err)
		}
		id := aws.ToString(out.AccessKey.AccessKeyId)
		if s == types.StatusTypeInactive {
			e.api.UpdateAccessKey(e.ctx, &awsiam.UpdateAccessKeyInput{UserName: &name, AccessKeyId: &id, Status: s})
		}
		ids = append(ids, id)
	}
	return name, ids
}

func (e *env) role() string {
	e.t.Helper()
	name := fmt.Sprintf("iam-role-%d", seq.Add(1))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := e.api.CreateRole(e.ctx, &awsiam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust}); err != nil {
		e.t.Fatal(err)
	}
	return name
}

func (e *env) state(p iamstate.Principal) iamstate.State {
	e.t.Helper()
	st, err := e.enf.Inspect(e.ctx, p)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// event reads a fixture, substituting the user and role names.
func (e *env) event(name, user, role string) json.RawMessage {
	e.t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.ReplaceAll(strings.ReplaceAll(string(b), "USERNAME", user), "ROLENAME", role)
	return json.RawMessage(s)
}

func (e *env) handle(in json.RawMessage) (any, error) {
	e.t.Helper()
	return e.h.Handle(e.ctx, in)
}

// run handles an event that must succeed with an Outcome.
func (e *env) run(in json.RawMessage) iam.Outcome {
	e.t.Helper()
	t := e.t
	v, err := e.handle(in)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	o, ok := v.(iam.Outcome)
	if !ok {
		t.Fatalf("Handle returned %T, want Outcome", v)
	}
	return o
}

func user(n string) iamstate.Principal { return iamstate.Principal{Kind: iamstate.User, Name: n} }
func role(n string) iamstate.Principal { return iamstate.Principal{Kind: iamstate.Role, Name: n} }

func TestSignInIAMUser(t *testing.T) {
	e := newEnv(t, iam.Config{})
	name, keys := e.user(types.StatusTypeActive, types.StatusTypeInactive)
	e.lock.SetLocked(name, true)
	o := e.run(e.event("signin_iam_user.json", name, ""))
	if o.Action != "locked" || o.Account != name || o.Status != "pending_approval" {
		t.Fatalf("outcome = %+v", o)
	}
	st := e.state(user(name))
	if !st.Attached[denyAll] || !st.Inline[iamstate.RevokePolicyName] || st.Keys[keys[0]] != types.StatusTypeInactive {
		t.Fatalf("state after locked sign-in: %+v", st)
	}
	checks := e.lock.Checks()
	c := checks[len(checks)-1]
	if string(c.Body["userIP"]) != `"192.0.2.10"` || string(c.Body["integrationType"]) != `"awsiamuser"` ||
		!strings.Contains(string(c.Body["userDevice"]), "Firefox") {
		t.Errorf("check body = %v", c.Body)
	}

	// The same event again changes nothing.
	if o := e.run(e.event("signin_iam_user.json", name, "")); o.Action != "unchanged" {
		t.Fatalf("repeated event: %+v", o)
	}

	e.now = e.now.Add(time.Minute)
	e.lock.SetLocked(name, false)
	o = e.run(e.event("signin_iam_user.json", name, ""))
	if o.Action != "unlocked" {
		t.Fatalf("outcome = %+v", o)
	}
	st = e.state(user(name))
	if st.Attached[denyAll] || st.Keys[keys[0]] != types.StatusTypeActive || st.Keys[keys[1]] != types.StatusTypeInactive || st.LockedByDeadbolt() {
		t.Fatalf("state after unlocked sign-in: %+v", st)
	}
}

func TestSignInRoleSessionAndAssumeRole(t *testing.T) {
	e := newEnv(t, iam.Config{})
	for _, fx := range []string{"signin_assumed_role.json", "sts_assume_role.json"} {
		t.Run(fx, func(t *testing.T) {
			r := e.role()
			e.lock.SetLocked("role/"+r, true)
			o := e.run(e.event(fx, "", r))
			if o.Action != "locked" || o.Account != "role/"+r {
				t.Fatalf("outcome = %+v", o)
			}
			if st := e.state(role(r)); !st.Attached[denyAll] || !st.Inline[iamstate.RevokePolicyName] || !st.LockedByDeadbolt() {
				t.Fatalf("role state: %+v", st)
			}
			e.now = e.now.Add(time.Second)
			e.lock.SetLocked("role/"+r, false)
			if o := e.run(e.event(fx, "", r)); o.Action != "unlocked" {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
}

func TestIgnoredEvents(t *testing.T) {
	e := newEnv(t, iam.Config{})
	name, keys := e.user(types.StatusTypeActive)
	r := e.role()
	e.lock.SetLocked(name, true)
	e.lock.SetLocked("role/"+r, true)
	tests := []struct {
		fixture string
		reason  string
		checked bool
	}{
		{"signin_root.json", "root user", false},
		{"signin_failure.json", "failed console sign-in", false},
		{"signin_failure_known_user.json", "failed console sign-in", false},
		{"sts_assume_role_denied.json", "failed AssumeRole", false},
		{"sts_assume_role_by_service.json", "AWS service", false},
		{"other_api_call.json", "not a console sign-in", false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			before := len(e.lock.Checks())
			o := e.run(e.event(tt.fixture, name, r))
			if o.Action != "ignored" || !strings.Contains(o.Reason, tt.reason) {
				t.Fatalf("outcome = %+v, want ignored: %s", o, tt.reason)
			}
			if n := len(e.lock.Checks()) - before; n != 0 {
				t.Errorf("%d checks made for an ignored event", n)
			}
		})
	}
	if st := e.state(user(name)); st.LockedByDeadbolt() || st.Keys[keys[0]] != types.StatusTypeActive {
		t.Fatalf("ignored events changed the user: %+v", st)
	}
	if !strings.Contains(e.logs.String(), "IAM policies cannot restrict the root user") {
		t.Errorf("root sign-in not logged")
	}
}

func TestUnknownUser(t *testing.T) {
	e := newEnv(t, iam.Config{})
	// A sign-in recorded for a user since deleted from IAM (or never in
	// this account) whose deadbolt account is locked.
	e.lock.SetLocked("deleted-contractor", true)
	o := e.run(e.event("signin_unknown_user.json", "", ""))
	if o.Action != "ignored" || !strings.Contains(o.Reason, "no such IAM user") {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestUndecided(t *testing.T) {
	for _, mode := range []client.FailMode{client.FailClosed, client.FailOpen} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, iam.Config{})
			e.lock.Answer = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"error":"unavailable","message":"store down"}`)
			}
			e.h = e.handler(e.lock.URL, iam.Config{FailMode: mode})
			name, keys := e.user(types.StatusTypeActive)
			_, err := e.handle(e.event("signin_iam_user.json", name, ""))
			if !errors.Is(err, iam.ErrUndecided) || !errors.Is(err, client.ErrUndecided) {
				t.Fatalf("Handle = %v, want ErrUndecided", err)
			}
			st := e.state(user(name))
			if locked := st.LockedByDeadbolt(); locked != (mode == client.FailClosed) {
				t.Fatalf("fail mode %s: locked = %v", mode, locked)
			}
			if mode == client.FailOpen && st.Keys[keys[0]] != types.StatusTypeActive {
				t.Fatalf("fail open changed keys")
			}
			if !strings.Contains(e.logs.String(), "FAIL_MODE="+string(mode)) {
				t.Errorf("fail mode not logged: %s", e.logs)
			}
		})
	}
}

// delivery builds the function URL event for a webhook delivery.
func (e *env) delivery(ev webhook.Event, sign func(body []byte) string, b64 bool) json.RawMessage {
	e.t.Helper()
	body, _ := json.Marshal(ev)
	var req events.LambdaFunctionURLRequest
	if err := json.Unmarshal(e.event("function_url_webhook.json", "", ""), &req); err != nil {
		e.t.Fatal(err)
	}
	req.Headers["deadbolt-signature"] = sign(body)
	req.Headers["deadbolt-event-id"] = ev.ID
	req.Headers["deadbolt-event-type"] = ev.Type
	req.Body = string(body)
	if b64 {
		req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	out, _ := json.Marshal(req)
	return out
}

func (e *env) deliver(in json.RawMessage) (int, iam.WebhookResult) {
	e.t.Helper()
	v, err := e.handle(in)
	if err != nil {
		e.t.Fatalf("webhook Handle: %v", err)
	}
	resp, ok := v.(events.LambdaFunctionURLResponse)
	if !ok {
		e.t.Fatalf("webhook returned %T", v)
	}
	var r iam.WebhookResult
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		e.t.Fatalf("webhook body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, r
}

func lockEvent(account string, locked bool, at time.Time) webhook.Event {
	typ := webhook.TypeAccountLocked
	if !locked {
		typ = webhook.TypeAccountUnlocked
	}
	return webhook.Event{ID: fmt.Sprintf("evt_%d", seq.Add(1)), Type: typ, At: at, Tenant: "acme",
		Data: webhook.EventData{Application: awstest.Issuer, Account: account, Locked: locked}}
}

func TestWebhook(t *testing.T) {
	e := newEnv(t, iam.Config{})
	name, keys := e.user(types.StatusTypeActive, types.StatusTypeInactive)
	signNow := func(b []byte) string { return webhook.Sign(secret, b, e.now) }

	status, r := e.deliver(e.delivery(lockEvent(name, true, e.now), signNow, false))
	if status != 200 || r.Action != "locked" {
		t.Fatalf("lock webhook: %d %+v", status, r)
	}
	if st := e.state(user(name)); !st.Attached[denyAll] || st.Keys[keys[0]] != types.StatusTypeInactive {
		t.Fatalf("after lock webhook: %+v", st)
	}
	// Each log line names the event once: no repeated eventId/eventType.
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if strings.Contains(line, `"kind":"webhook"`) && (strings.Count(line, `"eventId"`) != 1 || strings.Count(line, `"eventType"`) != 1) {
			t.Errorf("log line repeats the event's keys: %s", line)
		}
	}
	if n := len(e.lock.Checks()); n != 0 {
		t.Errorf("webhook made %d lock checks; it applies the event's state", n)
	}

	// An unlock decided before the lock arrives late: ignored as stale.
	late := lockEvent(name, false, e.now.Add(-time.Second))
	if status, r := e.deliver(e.delivery(late, signNow, true)); status != 200 || r.Action != "stale" {
		t.Fatalf("late unlock: %d %+v", status, r)
	}

	e.now = e.now.Add(time.Minute)
	status, r = e.deliver(e.delivery(lockEvent(name, false, e.now), signNow, true)) // base64 body
	if status != 200 || r.Action != "unlocked" {
		t.Fatalf("unlock webhook: %d %+v", status, r)
	}
	if st := e.state(user(name)); st.Attached[denyAll] || st.Keys[keys[0]] != types.StatusTypeActive || st.Keys[keys[1]] != types.StatusTypeInactive {
		t.Fatalf("after unlock webhook: %+v", st)
	}

	r2 := e.role()
	if status, r := e.deliver(e.delivery(lockEvent("role/"+r2, true, e.now), signNow, false)); status != 200 || r.Action != "locked" {
		t.Fatalf("role lock webhook: %d %+v", status, r)
	}

	refused := []struct {
		name   string
		in     json.RawMessage
		status int
		code   string
	}{
		{"wrong secret", e.delivery(lockEvent(name, true, e.now), func(b []byte) string { return webhook.Sign("whsec_wrong-secret-abcdefghijk", b, e.now) }, false), 401, "invalid_signature"},
		{"stale signature", e.delivery(lockEvent(name, true, e.now), func(b []byte) string { return webhook.Sign(secret, b, e.now.Add(-10*time.Minute)) }, false), 401, "invalid_signature"},
		{"no signature", e.delivery(lockEvent(name, true, e.now), func([]byte) string { return "" }, false), 401, "invalid_signature"},
		{"not an event", e.delivery(webhook.Event{ID: "x", Type: "account.deleted"}, signNow, false), 400, "invalid_event"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			status, r := e.deliver(tt.in)
			if status != tt.status || r.Error != tt.code {
				t.Fatalf("%d %+v, want %d %s", status, r, tt.status, tt.code)
			}
		})
	}
	if st := e.state(user(name)); st.LockedByDeadbolt() {
		t.Fatalf("a refused webhook locked the user")
	}

	ignoredCases := []webhook.Event{
		func() webhook.Event {
			ev := lockEvent(name, true, e.now)
			ev.Data.Application = "https://other.example.com"
			return ev
		}(),
		lockEvent("not a user name", true, e.now),
		lockEvent("ghost-user", true, e.now),
	}
	for _, ev := range ignoredCases {
		if status, r := e.deliver(e.delivery(ev, signNow, false)); status != 200 || r.Action != "ignored" {
			t.Errorf("%s/%s: %d %+v, want ignored", ev.Data.Application, ev.Data.Account, status, r)
		}
	}

	// Without a secret, webhooks are refused as unconfigured.
	e.h = e.handler(e.lock.URL, iam.Config{WebhookSecrets: func(context.Context) ([]string, error) { return nil, nil }})
	if status, r := e.deliver(e.delivery(lockEvent(name, true, e.now), signNow, false)); status != 503 || r.Error != "not_configured" {
		t.Fatalf("no secret: %d %+v", status, r)
	}
}

func TestWebhookThroughFunctionURL(t *testing.T) {
	e := newEnv(t, iam.Config{})
	name, _ := e.user(types.StatusTypeActive)
	h := lambda.NewHandler(func(ctx context.Context, in json.RawMessage) (any, error) { return e.h.Handle(ctx, in) })
	srv := httptest.NewServer((&invoke.Server{Default: h, FunctionURL: h, Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()

	body, _ := json.Marshal(lockEvent(name, true, e.now))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, body, e.now))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), `"action":"locked"`) {
		t.Fatalf("function URL: %d %s", resp.StatusCode, b)
	}
	resp, err = http.Post(srv.URL+"/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("unsigned delivery: %d", resp.StatusCode)
	}
}

func TestReconcile(t *testing.T) {
	e := newEnv(t, iam.Config{})
	lockedUser, keys := e.user(types.StatusTypeActive)
	freeUser, _ := e.user(types.StatusTypeActive)
	r := e.role()
	e.lock.SetLocked(lockedUser, true)
	e.lock.SetLocked(freeUser, false)
	e.lock.SetLocked("role/"+r, true)
	// freeUser drifted: locked in IAM while unlocked in deadbolt.
	if _, err := e.enf.Apply(e.ctx, user(freeUser), true, e.now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	e.h = e.handler(e.lock.URL, iam.Config{Principals: []string{lockedUser, freeUser, "role/" + r, "ghost-user", "bad name"}})
	v, err := e.handle(e.event("scheduled_event.json", "", ""))
	if !errors.Is(err, iam.ErrReconcile) {
		t.Fatalf("Reconcile = %v, want ErrReconcile for the unknown principals", err)
	}
	res := v.(iam.ReconcileResult)
	want := []string{"locked", "unlocked", "locked", "failed", "failed"}
	for i, o := range res.Results {
		if o.Action != want[i] {
			t.Errorf("result %d (%s) = %+v, want %s", i, o.Account, o, want[i])
		}
	}
	if res.Principals != 5 || res.Counts["locked"] != 2 || res.Counts["failed"] != 2 {
		t.Errorf("counts = %v", res.Counts)
	}
	if st := e.state(user(lockedUser)); st.Keys[keys[0]] != types.StatusTypeInactive || !st.Attached[denyAll] {
		t.Errorf("reconcile did not lock %s: %+v", lockedUser, st)
	}
	if st := e.state(user(freeUser)); st.LockedByDeadbolt() {
		t.Errorf("reconcile did not unlock %s", freeUser)
	}
	checks := e.lock.Checks()
	var data map[string]any
	json.Unmarshal(checks[len(checks)-1].Body["integrationData"], &data)
	if data["mode"] != "reconcile" {
		t.Errorf("reconcile checks carry integrationData %v", data)
	}

	// The same again: nothing changes.
	v, _ = e.h.Handle(e.ctx, json.RawMessage(`{"action":"reconcile"}`))
	for _, o := range v.(iam.ReconcileResult).Results[:3] {
		if o.Action != "unchanged" {
			t.Errorf("second reconcile: %+v", o)
		}
	}
}

func TestReconcileProtectedTag(t *testing.T) {
	e := newEnv(t, iam.Config{})
	if err := awstest.Shared(t).Reset(); err != nil { // only this test's principals
		t.Fatal(err)
	}
	tagged, _ := e.user(types.StatusTypeActive)
	other, _ := e.user(types.StatusTypeActive)
	tag := []types.Tag{{Key: aws.String(iamstate.TagProtected), Value: aws.String("true")}}
	if _, err := e.api.TagUser(e.ctx, &awsiam.TagUserInput{UserName: &tagged, Tags: tag}); err != nil {
		t.Fatal(err)
	}
	e.lock.SetLocked(tagged, true)
	e.lock.SetLocked(other, true)
	res, err := e.h.Reconcile(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Principals != 1 || res.Results[0].Account != tagged || res.Results[0].Action != "locked" {
		t.Fatalf("reconcile = %+v", res)
	}
	if st := e.state(user(other)); st.LockedByDeadbolt() {
		t.Fatalf("untagged user reconciled")
	}

	// Undecided checks are skipped, never failed closed.
	e.lock.Answer = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }
	e.lock.SetLocked(tagged, false)
	res, err = e.h.Reconcile(e.ctx)
	if !errors.Is(err, iam.ErrReconcile) || res.Results[0].Action != "skipped" {
		t.Fatalf("undecided reconcile = %+v, %v", res, err)
	}
}

func TestMalformedInput(t *testing.T) {
	e := newEnv(t, iam.Config{})
	for _, in := range []string{`[]`, `{}`, `{"detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","detail":"x"}`, `{"action":"explode"}`} {
		if _, err := e.handle(json.RawMessage(in)); !errors.Is(err, iam.ErrEvent) {
			t.Errorf("Handle(%s) = %v, want ErrEvent", in, err)
		}
	}
}

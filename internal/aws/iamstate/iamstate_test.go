package iamstate_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
)

const denyAll = "arn:aws:iam::aws:policy/AWSDenyAll"

func TestMain(m *testing.M) { os.Exit(awstest.Run(m)) }

var seq atomic.Int64

// name returns a principal name unique within the moto server's life.
func name(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

type fixture struct {
	t   *testing.T
	ctx context.Context
	api *iam.Client
	now time.Time
	e   *iamstate.Enforcer
}

func newFixture(t *testing.T, policyARN string) *fixture {
	m := awstest.Shared(t)
	f := &fixture{t: t, ctx: awstest.Context(t), api: m.IAM(), now: time.Date(2026, 11, 21, 8, 40, 0, 0, time.UTC)}
	f.e = iamstate.New(f.api, iamstate.Config{PolicyARN: policyARN, Now: func() time.Time { return f.now }})
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// user creates a user with one access key per status given, returning the
// key ids in that order.
func (f *fixture) user(statuses ...types.StatusType) (iamstate.Principal, []string) {
	f.t.Helper()
	n := name("user")
	_, err := f.api.CreateUser(f.ctx, &iam.CreateUserInput{UserName: &n})
	f.must(err)
	var ids []string
	for _, s := range statuses {
		out, err := f.api.CreateAccessKey(f.ctx, &iam.CreateAccessKeyInput{UserName: &n})
		f.must(err)
		id := aws.ToString(out.AccessKey.AccessKeyId)
		if s == types.StatusTypeInactive {
			_, err = f.api.UpdateAccessKey(f.ctx, &iam.UpdateAccessKeyInput{UserName: &n, AccessKeyId: &id, Status: s})
			f.must(err)
		}
		ids = append(ids, id)
	}
	return iamstate.Principal{Kind: iamstate.User, Name: n}, ids
}

func (f *fixture) role() iamstate.Principal {
	f.t.Helper()
	n := name("role")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	_, err := f.api.CreateRole(f.ctx, &iam.CreateRoleInput{RoleName: &n, AssumeRolePolicyDocument: &trust})
	f.must(err)
	return iamstate.Principal{Kind: iamstate.Role, Name: n}
}

func (f *fixture) apply(p iamstate.Principal, locked bool, asOf time.Time) iamstate.Result {
	f.t.Helper()
	r, err := f.e.Apply(f.ctx, p, locked, asOf)
	f.must(err)
	return r
}

func (f *fixture) state(p iamstate.Principal) iamstate.State {
	f.t.Helper()
	st, err := f.e.Inspect(f.ctx, p)
	f.must(err)
	return st
}

// revokeTime reads the AWSRevokeOlderSessions policy's aws:TokenIssueTime.
func (f *fixture) revokeTime(p iamstate.Principal) string {
	f.t.Helper()
	var doc string
	if p.Kind == iamstate.User {
		out, err := f.api.GetUserPolicy(f.ctx, &iam.GetUserPolicyInput{UserName: &p.Name, PolicyName: aws.String(iamstate.RevokePolicyName)})
		f.must(err)
		doc = aws.ToString(out.PolicyDocument)
	} else {
		out, err := f.api.GetRolePolicy(f.ctx, &iam.GetRolePolicyInput{RoleName: &p.Name, PolicyName: aws.String(iamstate.RevokePolicyName)})
		f.must(err)
		doc = aws.ToString(out.PolicyDocument)
	}
	doc, err := url.QueryUnescape(doc)
	f.must(err)
	_, rest, ok := strings.Cut(doc, `"aws:TokenIssueTime":`)
	if !ok {
		f.t.Fatalf("revoke policy without aws:TokenIssueTime: %s", doc)
	}
	v, _, _ := strings.Cut(strings.TrimLeft(rest, ` "`), `"`)
	return v
}

func TestUserLockUnlockExactRestore(t *testing.T) {
	f := newFixture(t, denyAll)
	p, keys := f.user(types.StatusTypeActive, types.StatusTypeInactive)
	active, inactive := keys[0], keys[1]
	t0 := f.now

	r := f.apply(p, true, t0)
	if len(r.Changes) == 0 || r.Stale {
		t.Fatalf("lock made no change: %+v", r)
	}
	st := f.state(p)
	if !st.Attached[denyAll] {
		t.Errorf("AWSDenyAll not attached: %v", st.Attached)
	}
	if !st.Inline[iamstate.RevokePolicyName] || st.Inline[iamstate.DenyPolicyName] {
		t.Errorf("inline policies = %v, want only %s", st.Inline, iamstate.RevokePolicyName)
	}
	if st.Keys[active] != types.StatusTypeInactive || st.Keys[inactive] != types.StatusTypeInactive {
		t.Errorf("keys after lock = %v, want both Inactive", st.Keys)
	}
	if got := st.RememberedKeys(); !slices.Equal(got, []string{active}) {
		t.Errorf("remembered keys = %v, want exactly the active one %s", got, active)
	}
	if st.Tags[iamstate.TagLockedAt] != t0.Format(time.RFC3339) || !st.StateAt().Equal(t0) {
		t.Errorf("tags = %v", st.Tags)
	}
	if got := f.revokeTime(p); got != t0.Format(time.RFC3339) {
		t.Errorf("aws:TokenIssueTime = %q, want %q", got, t0.Format(time.RFC3339))
	}

	// The same event again changes nothing, even later on the clock.
	f.now = t0.Add(time.Minute)
	if r := f.apply(p, true, t0); len(r.Changes) != 0 {
		t.Fatalf("second identical lock changed %v", r.Changes)
	}
	if got := f.revokeTime(p); got != t0.Format(time.RFC3339) {
		t.Errorf("second lock moved aws:TokenIssueTime to %q", got)
	}

	t1 := t0.Add(2 * time.Minute)
	f.now = t1
	r = f.apply(p, false, t1)
	if len(r.Changes) == 0 {
		t.Fatalf("unlock made no change")
	}
	st = f.state(p)
	if st.Attached[denyAll] {
		t.Errorf("AWSDenyAll still attached after unlock")
	}
	if !st.Inline[iamstate.RevokePolicyName] {
		t.Errorf("unlock removed %s; it must stay", iamstate.RevokePolicyName)
	}
	if st.Keys[active] != types.StatusTypeActive {
		t.Errorf("key %s active before the lock is %s after unlock", active, st.Keys[active])
	}
	if st.Keys[inactive] != types.StatusTypeInactive {
		t.Errorf("key %s inactive before the lock was reactivated", inactive)
	}
	if _, ok := st.Tags[iamstate.TagLockedAt]; ok {
		t.Errorf("locked-at tag left: %v", st.Tags)
	}
	if _, ok := st.Tags[iamstate.TagDeactivatedKeys]; ok {
		t.Errorf("deactivated-keys tag left: %v", st.Tags)
	}
	if !st.StateAt().Equal(t1) {
		t.Errorf("state-at = %v, want %v", st.StateAt(), t1)
	}
	if r := f.apply(p, false, t1); len(r.Changes) != 0 {
		t.Fatalf("second identical unlock changed %v", r.Changes)
	}

	// Lock again: the revocation time moves to the new lock.
	t2 := t1.Add(time.Minute)
	f.now = t2
	f.apply(p, true, t2)
	if got := f.revokeTime(p); got != t2.Format(time.RFC3339) {
		t.Errorf("relock aws:TokenIssueTime = %q, want %q", got, t2.Format(time.RFC3339))
	}
}

func TestOrdering(t *testing.T) {
	f := newFixture(t, denyAll)
	p, _ := f.user(types.StatusTypeActive)
	t0 := f.now
	f.apply(p, true, t0)
	f.apply(p, false, t0.Add(time.Minute))
	f.apply(p, true, t0.Add(2*time.Minute))
	// A delayed unlock decided before the latest lock must not win.
	r := f.apply(p, false, t0.Add(90*time.Second))
	if !r.Stale || len(r.Changes) != 0 {
		t.Fatalf("stale unlock = %+v, want skipped", r)
	}
	if st := f.state(p); !st.LockedByDeadbolt() || !st.Attached[denyAll] {
		t.Fatalf("stale unlock applied: %+v", st)
	}
	f.apply(p, false, t0.Add(3*time.Minute))
	// A lock is never skipped, however old: locking is always safe.
	r = f.apply(p, true, t0.Add(30*time.Second))
	if r.Stale || len(r.Changes) == 0 {
		t.Fatalf("old lock = %+v, want applied", r)
	}
	st := f.state(p)
	if !st.LockedByDeadbolt() || !st.StateAt().Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("after old lock: %+v (state-at must not move backwards)", st.Tags)
	}
	// A no-op apply writes nothing, not even a newer stamp.
	if r := f.apply(p, true, t0.Add(time.Hour)); len(r.Changes) != 0 {
		t.Fatalf("no-op lock changed %v", r.Changes)
	}
	if st := f.state(p); !st.StateAt().Equal(t0.Add(3 * time.Minute)) {
		t.Fatalf("no-op lock moved state-at to %v", st.StateAt())
	}
}

func TestKeyCreatedWhileLocked(t *testing.T) {
	f := newFixture(t, denyAll)
	p, keys := f.user(types.StatusTypeActive)
	f.apply(p, true, f.now)
	out, err := f.api.CreateAccessKey(f.ctx, &iam.CreateAccessKeyInput{UserName: &p.Name})
	f.must(err)
	added := aws.ToString(out.AccessKey.AccessKeyId)

	r := f.apply(p, true, f.now.Add(time.Second))
	if !slices.Contains(r.Changes, "deactivate "+added) {
		t.Fatalf("relock changes = %v, want the new key deactivated", r.Changes)
	}
	st := f.state(p)
	want := slices.Sorted(slices.Values([]string{keys[0], added}))
	if got := st.RememberedKeys(); !slices.Equal(got, want) {
		t.Fatalf("remembered = %v, want %v", got, want)
	}
	f.apply(p, false, f.now.Add(2*time.Second))
	st = f.state(p)
	for _, id := range want {
		if st.Keys[id] != types.StatusTypeActive {
			t.Errorf("key %s = %s after unlock", id, st.Keys[id])
		}
	}
}

func TestRoleLockUnlock(t *testing.T) {
	f := newFixture(t, denyAll)
	p := f.role()
	f.apply(p, true, f.now)
	st := f.state(p)
	if !st.Attached[denyAll] || !st.Inline[iamstate.RevokePolicyName] || !st.LockedByDeadbolt() {
		t.Fatalf("role after lock: %+v", st)
	}
	if _, ok := st.Tags[iamstate.TagDeactivatedKeys]; ok {
		t.Errorf("role got a deactivated-keys tag: %v", st.Tags)
	}
	if r := f.apply(p, true, f.now); len(r.Changes) != 0 {
		t.Fatalf("second role lock changed %v", r.Changes)
	}
	f.apply(p, false, f.now.Add(time.Minute))
	st = f.state(p)
	if st.Attached[denyAll] || !st.Inline[iamstate.RevokePolicyName] || st.LockedByDeadbolt() {
		t.Fatalf("role after unlock: %+v", st)
	}
}

// limitAPI makes AttachUserPolicy / AttachRolePolicy fail as IAM does at
// the managed-policy quota, which moto does not emulate.
type limitAPI struct{ *iam.Client }

func (limitAPI) AttachUserPolicy(context.Context, *iam.AttachUserPolicyInput, ...func(*iam.Options)) (*iam.AttachUserPolicyOutput, error) {
	return nil, &types.LimitExceededException{Message: aws.String("Cannot exceed quota for PoliciesPerUser: 10")}
}

func (limitAPI) AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	return nil, &types.LimitExceededException{Message: aws.String("Cannot exceed quota for PoliciesPerRole: 10")}
}

func TestInlineFallback(t *testing.T) {
	tests := []struct {
		name string
		api  func(*iam.Client) iamstate.API
		arn  string
	}{
		{"attach limit exceeded", func(c *iam.Client) iamstate.API { return limitAPI{c} }, denyAll},
		{"policy does not exist", func(c *iam.Client) iamstate.API { return c }, "arn:aws:iam::123456789012:policy/NoSuchPolicy"},
		{"inline configured", func(c *iam.Client) iamstate.API { return c }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.arn)
			f.e = iamstate.New(tt.api(f.api), iamstate.Config{PolicyARN: tt.arn, Now: func() time.Time { return f.now }})
			for _, p := range []iamstate.Principal{must(f.user(types.StatusTypeActive)), f.role()} {
				f.apply(p, true, f.now)
				st := f.state(p)
				if !st.Inline[iamstate.DenyPolicyName] || len(st.Attached) != 0 {
					t.Fatalf("%s after lock: inline %v attached %v, want inline %s", p, st.Inline, st.Attached, iamstate.DenyPolicyName)
				}
				if r := f.apply(p, true, f.now); len(r.Changes) != 0 {
					t.Fatalf("%s second lock changed %v", p, r.Changes)
				}
				f.apply(p, false, f.now.Add(time.Minute))
				st = f.state(p)
				if st.Inline[iamstate.DenyPolicyName] || !st.Inline[iamstate.RevokePolicyName] {
					t.Fatalf("%s after unlock: inline %v", p, st.Inline)
				}
			}
		})
	}
}

func must(p iamstate.Principal, _ []string) iamstate.Principal { return p }

func TestUnlockLeavesForeignDenyAlone(t *testing.T) {
	f := newFixture(t, denyAll)
	p, _ := f.user()
	_, err := f.api.AttachUserPolicy(f.ctx, &iam.AttachUserPolicyInput{UserName: &p.Name, PolicyArn: aws.String(denyAll)})
	f.must(err)
	if r := f.apply(p, false, f.now); len(r.Changes) != 0 {
		t.Fatalf("unlock of a never-locked user changed %v", r.Changes)
	}
	st := f.state(p)
	if !st.Attached[denyAll] || len(st.Tags) != 0 {
		t.Fatalf("never-locked user touched: %+v", st)
	}
}

func TestUnknownPrincipal(t *testing.T) {
	f := newFixture(t, denyAll)
	for _, p := range []iamstate.Principal{{Kind: iamstate.User, Name: "nobody-here"}, {Kind: iamstate.Role, Name: "no-such-role"}} {
		_, err := f.e.Apply(f.ctx, p, true, f.now)
		if !errors.Is(err, iamstate.ErrUnknownPrincipal) {
			t.Errorf("Apply(%s) = %v, want ErrUnknownPrincipal", p, err)
		}
	}
}

func TestProtected(t *testing.T) {
	f := newFixture(t, denyAll)
	tag := []types.Tag{{Key: aws.String(iamstate.TagProtected), Value: aws.String("true")}}
	u, _ := f.user()
	_, err := f.api.TagUser(f.ctx, &iam.TagUserInput{UserName: &u.Name, Tags: tag})
	f.must(err)
	r := f.role()
	_, err = f.api.TagRole(f.ctx, &iam.TagRoleInput{RoleName: &r.Name, Tags: tag})
	f.must(err)
	other, _ := f.user()
	got, err := f.e.Protected(f.ctx)
	f.must(err)
	if !slices.Contains(got, u) || !slices.Contains(got, r) || slices.Contains(got, other) {
		t.Fatalf("Protected = %v, want %v and %v but not %v", got, u, r, other)
	}
}

func TestParseAccount(t *testing.T) {
	tests := []struct {
		in   string
		want iamstate.Principal
		err  bool
	}{
		{"alice", iamstate.Principal{Kind: iamstate.User, Name: "alice"}, false},
		{"alice@example.com", iamstate.Principal{Kind: iamstate.User, Name: "alice@example.com"}, false},
		{"role/deploy", iamstate.Principal{Kind: iamstate.Role, Name: "deploy"}, false},
		{"role/", iamstate.Principal{}, true},
		{"", iamstate.Principal{}, true},
		{"user/alice", iamstate.Principal{}, true},
		{"role/a/b", iamstate.Principal{}, true},
		{strings.Repeat("a", 65), iamstate.Principal{}, true},
		{"bad name", iamstate.Principal{}, true},
	}
	for _, tt := range tests {
		got, err := iamstate.ParseAccount(tt.in)
		if tt.err {
			if !errors.Is(err, iamstate.ErrAccount) {
				t.Errorf("ParseAccount(%q) = %v, %v; want ErrAccount", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || got.Account() != tt.in {
			t.Errorf("ParseAccount(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

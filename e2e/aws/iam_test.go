package aws

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
)

const (
	iamIssuer = "aws:123456789012"
	denyAll   = "arn:aws:iam::aws:policy/AWSDenyAll"
)

// awsAccount is the moto IAM state the tests look at.
type awsAccount struct {
	t   *testing.T
	ctx context.Context
	api *awsiam.Client
	enf *iamstate.Enforcer
}

func newAWSAccount(t *testing.T, m *awstest.Moto) *awsAccount {
	api := m.IAM()
	return &awsAccount{t: t, ctx: awstest.Context(t), api: api, enf: iamstate.New(api, iamstate.Config{PolicyARN: denyAll})}
}

func (a *awsAccount) user(name string, statuses ...types.StatusType) []string {
	a.t.Helper()
	if _, err := a.api.CreateUser(a.ctx, &awsiam.CreateUserInput{UserName: &name}); err != nil {
		a.t.Fatal(err)
	}
	var ids []string
	for _, s := range statuses {
		out, err := a.api.CreateAccessKey(a.ctx, &awsiam.CreateAccessKeyInput{UserName: &name})
		if err != nil {
			a.t.Fatal(err)
		}
		id := aws.ToString(out.AccessKey.AccessKeyId)
		if s == types.StatusTypeInactive {
			if _, err := a.api.UpdateAccessKey(a.ctx, &awsiam.UpdateAccessKeyInput{UserName: &name, AccessKeyId: &id, Status: s}); err != nil {
				a.t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

func (a *awsAccount) role(name string) {
	a.t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := a.api.CreateRole(a.ctx, &awsiam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust}); err != nil {
		a.t.Fatal(err)
	}
}

func (a *awsAccount) state(account string) iamstate.State {
	a.t.Helper()
	p, err := iamstate.ParseAccount(account)
	if err != nil {
		a.t.Fatal(err)
	}
	st, err := a.enf.Inspect(a.ctx, p)
	if err != nil {
		a.t.Fatal(err)
	}
	return st
}

// assertLocked checks the complete locked state of a user.
func (a *awsAccount) assertLocked(account string, keys ...string) {
	a.t.Helper()
	st := a.state(account)
	if !st.Attached[denyAll] {
		a.t.Errorf("%s: AWSDenyAll not attached (attached %v)", account, st.Attached)
	}
	if !st.Inline[iamstate.RevokePolicyName] {
		a.t.Errorf("%s: no %s inline policy (inline %v)", account, iamstate.RevokePolicyName, st.Inline)
	}
	for _, k := range keys {
		if st.Keys[k] != types.StatusTypeInactive {
			a.t.Errorf("%s: key %s is %s while locked", account, k, st.Keys[k])
		}
	}
	if !st.LockedByDeadbolt() {
		a.t.Errorf("%s: no %s tag (tags %v)", account, iamstate.TagLockedAt, st.Tags)
	}
}

// assertRestored checks the exact restore: active keys active again,
// inactive keys still inactive, no deny, session revocation kept.
func (a *awsAccount) assertRestored(account string, active, inactive []string) {
	a.t.Helper()
	st := a.state(account)
	if st.Attached[denyAll] || st.Inline[iamstate.DenyPolicyName] {
		a.t.Errorf("%s: deny still in place after unlock: %v %v", account, st.Attached, st.Inline)
	}
	if !st.Inline[iamstate.RevokePolicyName] {
		a.t.Errorf("%s: unlock removed %s", account, iamstate.RevokePolicyName)
	}
	for _, k := range active {
		if st.Keys[k] != types.StatusTypeActive {
			a.t.Errorf("%s: key %s active before the lock is %s", account, k, st.Keys[k])
		}
	}
	for _, k := range inactive {
		if st.Keys[k] != types.StatusTypeInactive {
			a.t.Errorf("%s: key %s inactive before the lock was reactivated", account, k)
		}
	}
	if st.LockedByDeadbolt() || st.Tags[iamstate.TagDeactivatedKeys] != "" {
		a.t.Errorf("%s: lock tags left: %v", account, st.Tags)
	}
}

type iamOutcome struct {
	Kind, Account, Action, Status, Reason string
	Changes                               []string
}

func (f *lambdaFn) outcome(t *testing.T, payload []byte) iamOutcome {
	t.Helper()
	out, fnErr := f.invoke(t, payload)
	if fnErr != "" {
		t.Fatalf("%s failed: %s", f.name, out)
	}
	var o iamOutcome
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatalf("%s answered %s", f.name, out)
	}
	return o
}

func iamEnv(m *awstest.Moto, d *deadbolt, key string, extra ...string) []string {
	return append(append(m.Env(), "API_URI="+d.url, "APP_URI="+iamIssuer, "SIGNING_KEY="+key,
		"POLICY_ARN="+denyAll, "TIMEOUT_MS=3000"), extra...)
}

// TestIAMSignInLockAndExactRestore: lock with the CLI, a console sign-in
// event locks IAM; unlock with the CLI, the next sign-in restores exactly
// what was there; a role session and AssumeRole lock the role; reconcile
// corrects drift.
func TestIAMSignInLockAndExactRestore(t *testing.T) {
	m := awstest.Shared(t)
	acct := newAWSAccount(t, m)
	d := newDeadbolt(t)
	key := d.app("acme", iamIssuer)
	user := "e2e-alice"
	keys := acct.user(user, types.StatusTypeActive, types.StatusTypeInactive)
	active, inactive := keys[0], keys[1]
	roleName := "e2e-deploy"
	acct.role(roleName)
	for _, a := range []string{user, "role/" + roleName} {
		d.cli("account", "enroll", "--app", iamIssuer, "--account", a)
	}
	d.start()
	fn := startLambda(t, binIAM, "deadbolt-iam", iamEnv(m, d, key))

	d.cli("account", "lock", "--app", iamIssuer, "--account", user)
	o := fn.outcome(t, fixture(t, "iam/testdata/signin_iam_user.json", user, ""))
	if o.Action != "locked" || o.Account != user {
		t.Fatalf("sign-in while locked: %+v", o)
	}
	acct.assertLocked(user, active, inactive)
	if got := acct.state(user).RememberedKeys(); !slices.Equal(got, []string{active}) {
		t.Fatalf("remembered keys %v, want only %s", got, active)
	}

	// The same sign-in again changes nothing.
	if o := fn.outcome(t, fixture(t, "iam/testdata/signin_iam_user.json", user, "")); o.Action != "unchanged" {
		t.Fatalf("repeated sign-in: %+v", o)
	}

	d.cli("account", "unlock", "--app", iamIssuer, "--account", user, "--for", "15m")
	o = fn.outcome(t, fixture(t, "iam/testdata/signin_iam_user.json", user, ""))
	if o.Action != "unlocked" || o.Status != "unlocked" {
		t.Fatalf("sign-in while unlocked: %+v", o)
	}
	acct.assertRestored(user, []string{active}, []string{inactive})

	// Role: a console session of the role, then AssumeRole after an unlock
	// and a new lock.
	o = fn.outcome(t, fixture(t, "iam/testdata/signin_assumed_role.json", "", roleName))
	if o.Action != "locked" || o.Account != "role/"+roleName {
		t.Fatalf("role session sign-in: %+v", o)
	}
	acct.assertLocked("role/" + roleName)
	d.cli("account", "unlock", "--app", iamIssuer, "--account", "role/"+roleName, "--for", "15m")
	if o := fn.outcome(t, fixture(t, "iam/testdata/sts_assume_role.json", "", roleName)); o.Action != "unlocked" {
		t.Fatalf("AssumeRole while unlocked: %+v", o)
	}
	d.cli("account", "lock", "--app", iamIssuer, "--account", "role/"+roleName)
	if o := fn.outcome(t, fixture(t, "iam/testdata/sts_assume_role.json", "", roleName)); o.Action != "locked" {
		t.Fatalf("AssumeRole while locked: %+v", o)
	}

	// Events that must change nothing.
	for _, fx := range []string{"signin_root.json", "signin_failure.json", "signin_failure_known_user.json"} {
		if o := fn.outcome(t, fixture(t, "iam/testdata/"+fx, user, "")); o.Action != "ignored" {
			t.Errorf("%s: %+v", fx, o)
		}
	}
	if o := fn.outcome(t, fixture(t, "iam/testdata/signin_iam_user.json", "e2e-nobody", "")); o.Action != "ignored" {
		t.Errorf("unknown user: %+v", o)
	}
	acct.assertRestored(user, []string{active}, []string{inactive})

	// Reconcile (local --reconcile, as the schedule would run it): the user
	// was locked again in deadbolt with no sign-in since.
	d.cli("account", "lock", "--app", iamIssuer, "--account", user)
	cmd := exec.Command(binIAM, "--reconcile")
	cmd.Env = append(cmd.Environ(), iamEnv(m, d, key, "PRINCIPALS="+user+",role/"+roleName)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("deadbolt-iam --reconcile: %v\n%s", err, out)
	}
	var rec struct {
		Principals int
		Counts     map[string]int
	}
	if err := json.Unmarshal(out, &rec); err != nil || rec.Principals != 2 || rec.Counts["locked"] != 1 || rec.Counts["unchanged"] != 1 {
		t.Fatalf("reconcile printed %s (%v)", out, err)
	}
	acct.assertLocked(user, active, inactive)
}

// TestIAMLockViaWebhookOnly: the account is locked in deadbolt and nobody
// signs in; deadbolt's webhook alone must lock IAM within seconds, and the
// unlock webhook must restore it.
func TestIAMLockViaWebhookOnly(t *testing.T) {
	d := newDeadbolt(t)
	m := awstest.Shared(t)
	acct := newAWSAccount(t, m)
	key := d.app("acme", iamIssuer)
	user := "e2e-webhook-bob"
	keys := acct.user(user, types.StatusTypeActive, types.StatusTypeInactive)
	d.cli("account", "enroll", "--app", iamIssuer, "--account", user)
	d.cli("account", "unlock", "--app", iamIssuer, "--account", user, "--for", "1h")

	fnAddr := freeAddr(t)
	hook := d.cliJSON("webhook", "create", "--tenant", "acme", "--url", "http://"+fnAddr+"/")
	secret, _ := hook["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("webhook create printed %v", hook)
	}
	d.start()
	addrEnv := iamEnv(m, d, key, "WEBHOOK_SECRET="+secret)
	startLambdaAt(t, binIAM, "deadbolt-iam", fnAddr, addrEnv)

	waitFor := func(what string, ok func(iamstate.State) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if ok(acct.state(user)) {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("IAM never became %s: %+v", what, acct.state(user))
	}
	d.cli("account", "lock", "--app", iamIssuer, "--account", user)
	waitFor("locked", func(st iamstate.State) bool {
		return st.Attached[denyAll] && st.Keys[keys[0]] == types.StatusTypeInactive && st.Inline[iamstate.RevokePolicyName]
	})
	acct.assertLocked(user, keys...)

	d.cli("account", "unlock", "--app", iamIssuer, "--account", user, "--for", "15m")
	waitFor("unlocked", func(st iamstate.State) bool { return !st.LockedByDeadbolt() })
	acct.assertRestored(user, keys[:1], keys[1:])
}

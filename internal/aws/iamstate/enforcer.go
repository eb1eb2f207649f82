package iamstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Names of the tags and inline policies deadbolt manages.
const (
	// TagLockedAt marks a principal deadbolt locked, with the time (RFC 3339).
	TagLockedAt = "deadbolt:locked-at"
	// TagDeactivatedKeys lists, space separated, the access keys deadbolt
	// set Inactive, which an unlock sets Active again.
	TagDeactivatedKeys = "deadbolt:deactivated-keys"
	// TagStateAt is the "as of" time of the newest state applied.
	TagStateAt = "deadbolt:state-at"
	// TagProtected set to "true" makes a principal part of reconcile when
	// no explicit list is configured.
	TagProtected = "deadbolt:protected"
	// RevokePolicyName is the inline policy that revokes older sessions; the
	// IAM console uses the same name.
	RevokePolicyName = "AWSRevokeOlderSessions"
	// DenyPolicyName is the inline deny-all policy used when the managed
	// policy cannot be attached.
	DenyPolicyName = "DeadboltDenyAll"
)

// Errors.
var (
	// ErrUnknownPrincipal: the user or role does not exist.
	ErrUnknownPrincipal = errors.New("iamstate: no such IAM principal")
	// errNoKey: an access key listed for reactivation no longer exists.
	errNoKey = errors.New("iamstate: access key no longer exists")
)

// Config configures an Enforcer.
type Config struct {
	// PolicyARN is the managed deny-all policy to attach; empty means the
	// inline DeadboltDenyAll policy only.
	PolicyARN string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Log receives a record per fallback or skipped item; default none.
	Log *slog.Logger
}

// Enforcer applies lock states to IAM principals. It is safe for
// concurrent use (see the package comment on concurrent Applys).
type Enforcer struct {
	api API
	cfg Config
}

// New returns an Enforcer using api.
func New(api API, cfg Config) *Enforcer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Enforcer{api: api, cfg: cfg}
}

// Result says what an Apply did.
type Result struct {
	// Principal is the principal acted on.
	Principal Principal `json:"-"`
	// Locked is the state applied (or that would have been, when Stale).
	Locked bool `json:"locked"`
	// Stale is set when an unlock was skipped because the principal
	// carries a newer state.
	Stale bool `json:"stale,omitempty"`
	// Changes lists each change made, in order; empty when the principal
	// was already in the requested state.
	Changes []string `json:"changes,omitempty"`
}

// State is a principal's lock-relevant IAM state.
type State struct {
	// Tags are the principal's tags.
	Tags map[string]string
	// Attached holds the ARNs of attached managed policies.
	Attached map[string]bool
	// Inline holds the names of inline policies.
	Inline map[string]bool
	// Keys maps a user's access key ids to their status.
	Keys map[string]types.StatusType
}

// LockedByDeadbolt reports whether deadbolt's lock is in place.
func (s State) LockedByDeadbolt() bool { return s.Tags[TagLockedAt] != "" }

// StateAt returns the time of the newest state applied, or zero.
func (s State) StateAt() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s.Tags[TagStateAt])
	return t
}

// RememberedKeys returns the keys listed in TagDeactivatedKeys.
func (s State) RememberedKeys() []string { return strings.Fields(s.Tags[TagDeactivatedKeys]) }

// Inspect reads p's state.
func (e *Enforcer) Inspect(ctx context.Context, p Principal) (State, error) {
	o := ops{api: e.api, p: p}
	var st State
	var err error
	if st.Tags, err = o.tags(ctx); err != nil {
		return State{}, err
	}
	if st.Attached, err = o.attached(ctx); err != nil {
		return State{}, err
	}
	if st.Inline, err = o.inline(ctx); err != nil {
		return State{}, err
	}
	keys, err := o.keys(ctx)
	if err != nil {
		return State{}, err
	}
	st.Keys = map[string]types.StatusType{}
	for _, k := range keys {
		st.Keys[aws.ToString(k.AccessKeyId)] = k.Status
	}
	return st, nil
}

// Apply brings p to the lock state locked, as decided at asOf. Errors wrap
// ErrUnknownPrincipal when p does not exist; other errors are IAM API
// failures, and retrying the Apply is safe.
func (e *Enforcer) Apply(ctx context.Context, p Principal, locked bool, asOf time.Time) (Result, error) {
	st, err := e.Inspect(ctx, p)
	if err != nil {
		return Result{Principal: p, Locked: locked}, err
	}
	r := &Result{Principal: p, Locked: locked}
	// Only unlocks can be stale: a lock is always safe to apply, and clocks
	// of deadbolt and Lambda may disagree by a little.
	if prev := st.StateAt(); !locked && !prev.IsZero() && asOf.Before(prev) {
		r.Stale = true
		e.cfg.Log.InfoContext(ctx, "stale state skipped", "principal", p.String(),
			"asOf", asOf.UTC().Format(time.RFC3339Nano), "stateAt", prev.Format(time.RFC3339Nano))
		return *r, nil
	}
	o := ops{api: e.api, p: p}
	if locked {
		err = e.lock(ctx, o, st, asOf, r)
	} else {
		err = e.unlock(ctx, o, st, asOf, r)
	}
	return *r, err
}

func (r *Result) did(format string, args ...any) {
	r.Changes = append(r.Changes, fmt.Sprintf(format, args...))
}

// stamp is the TagStateAt value for asOf, when it is newer than the
// stored one.
func stamp(st State, asOf time.Time) (string, bool) {
	if asOf.IsZero() || !asOf.After(st.StateAt()) {
		return "", false
	}
	return asOf.UTC().Format(time.RFC3339Nano), true
}

func (e *Enforcer) lock(ctx context.Context, o ops, st State, asOf time.Time, r *Result) error {
	now := e.cfg.Now().UTC()
	wasLocked := st.LockedByDeadbolt()

	// 1. Remember first, then change.
	tags := map[string]string{}
	if !wasLocked {
		tags[TagLockedAt] = now.Format(time.RFC3339)
	}
	var active []string
	for id, status := range st.Keys {
		if status == types.StatusTypeActive {
			active = append(active, id)
		}
	}
	slices.Sort(active)
	var remembered []string
	if wasLocked {
		// Without TagLockedAt a leftover list means nothing: the keys
		// active now are the ones to remember.
		remembered = st.RememberedKeys()
	}
	all := slices.Compact(slices.Sorted(slices.Values(append(remembered, active...))))
	if v := strings.Join(all, " "); v != st.Tags[TagDeactivatedKeys] {
		tags[TagDeactivatedKeys] = v
	}
	arn := e.cfg.PolicyARN
	needDeny := !(arn != "" && st.Attached[arn]) && !st.Inline[DenyPolicyName]
	needRevoke := !wasLocked || !st.Inline[RevokePolicyName]
	if len(tags) == 0 && !needDeny && !needRevoke && len(active) == 0 {
		return nil // already locked: change nothing, not even the stamp
	}
	if v, ok := stamp(st, asOf); ok {
		tags[TagStateAt] = v
	}
	if len(tags) > 0 {
		if err := o.tag(ctx, tags); err != nil {
			return err
		}
		r.did("tag %s", strings.Join(slices.Sorted(maps.Keys(tags)), ","))
	}

	// 2. Deny everything.
	if needDeny {
		done := false
		if arn != "" {
			err := o.attach(ctx, arn)
			switch apiCode(err) {
			case "":
				if err != nil {
					return err
				}
				r.did("attach %s", arn)
				done = true
			case "LimitExceeded", "PolicyNotAttachable", "NoSuchEntity", "AccessDenied":
				// The principal exists (Inspect just read it), so these are
				// about the policy or our permission to attach it.
				e.cfg.Log.WarnContext(ctx, "cannot attach the deny-all policy; using the inline policy",
					"principal", o.p.String(), "policy", arn, "error", err.Error())
			default:
				return err
			}
		}
		if !done {
			if err := o.put(ctx, DenyPolicyName, denyAllPolicy); err != nil {
				return err
			}
			r.did("put %s", DenyPolicyName)
		}
	}

	// 3. Revoke the sessions issued before the lock.
	if needRevoke {
		if err := o.put(ctx, RevokePolicyName, RevokePolicy(now)); err != nil {
			return err
		}
		r.did("put %s", RevokePolicyName)
	}

	// 4. Deactivate the access keys.
	for _, id := range active {
		if err := o.setKey(ctx, id, types.StatusTypeInactive); err != nil {
			if errors.Is(err, errNoKey) {
				continue // deleted meanwhile: nothing to deactivate
			}
			return err
		}
		r.did("deactivate %s", id)
	}
	return nil
}

func (e *Enforcer) unlock(ctx context.Context, o ops, st State, asOf time.Time, r *Result) error {
	wasLocked := st.LockedByDeadbolt()
	arn := e.cfg.PolicyARN
	detach := arn != "" && st.Attached[arn] && wasLocked
	if arn != "" && st.Attached[arn] && !wasLocked {
		e.cfg.Log.InfoContext(ctx, "deny-all policy attached but not by deadbolt; left in place", "principal", o.p.String(), "policy", arn)
	}
	var reactivate []string
	if wasLocked {
		for _, id := range st.RememberedKeys() {
			switch status, ok := st.Keys[id]; {
			case !ok:
				e.cfg.Log.WarnContext(ctx, "access key deactivated at lock no longer exists", "principal", o.p.String(), "accessKeyId", id)
			case status != types.StatusTypeActive:
				reactivate = append(reactivate, id)
			}
		}
	}
	var drop []string
	for _, k := range []string{TagLockedAt, TagDeactivatedKeys} {
		if _, ok := st.Tags[k]; ok {
			drop = append(drop, k)
		}
	}
	if !detach && !st.Inline[DenyPolicyName] && len(reactivate) == 0 && len(drop) == 0 {
		return nil // already unlocked, or never locked by deadbolt: change nothing
	}

	if v, ok := stamp(st, asOf); ok {
		if err := o.tag(ctx, map[string]string{TagStateAt: v}); err != nil {
			return err
		}
		r.did("tag %s", TagStateAt)
	}
	if detach {
		if err := o.detach(ctx, arn); err != nil {
			return err
		}
		r.did("detach %s", arn)
	}
	if st.Inline[DenyPolicyName] {
		if err := o.del(ctx, DenyPolicyName); err != nil {
			return err
		}
		r.did("delete %s", DenyPolicyName)
	}
	for _, id := range reactivate {
		if err := o.setKey(ctx, id, types.StatusTypeActive); err != nil {
			if errors.Is(err, errNoKey) {
				continue
			}
			return err
		}
		r.did("reactivate %s", id)
	}
	if len(drop) > 0 {
		if err := o.untag(ctx, drop); err != nil {
			return err
		}
		r.did("untag %s", strings.Join(drop, ","))
	}
	return nil
}

// denyAllPolicy is the inline fallback for the managed deny-all policy.
const denyAllPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"DeadboltLocked","Effect":"Deny","Action":"*","Resource":"*"}]}`

// RevokePolicy returns the AWSRevokeOlderSessions document denying every
// action to credentials issued before t.
func RevokePolicy(t time.Time) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Deny",
			"Action":    []string{"*"},
			"Resource":  []string{"*"},
			"Condition": map[string]any{"DateLessThan": map[string]string{"aws:TokenIssueTime": t.UTC().Format(time.RFC3339)}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// Protected lists the users and roles tagged TagProtected=true.
func (e *Enforcer) Protected(ctx context.Context) ([]Principal, error) {
	var out []Principal
	users := iam.NewListUsersPaginator(e.api, &iam.ListUsersInput{})
	for users.HasMorePages() {
		page, err := users.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("iamstate: ListUsers: %w", err)
		}
		for _, u := range page.Users {
			out = append(out, Principal{Kind: User, Name: aws.ToString(u.UserName)})
		}
	}
	roles := iam.NewListRolesPaginator(e.api, &iam.ListRolesInput{})
	for roles.HasMorePages() {
		page, err := roles.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("iamstate: ListRoles: %w", err)
		}
		for _, r := range page.Roles {
			if strings.HasPrefix(aws.ToString(r.Path), "/aws-service-role/") {
				continue // service-linked roles cannot be changed
			}
			out = append(out, Principal{Kind: Role, Name: aws.ToString(r.RoleName)})
		}
	}
	var protected []Principal
	for _, p := range out {
		tags, err := ops{api: e.api, p: p}.tags(ctx)
		if errors.Is(err, ErrUnknownPrincipal) {
			continue // deleted since listed
		}
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(tags[TagProtected], "true") {
			protected = append(protected, p)
		}
	}
	return protected, nil
}

package approval_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

const portalOrigin = "https://lock.acme.test"

// signers gives each approver of e a registered software passkey and
// every node a Verifier; it returns the passkey service and the keys.
func signers(e *env) (*passkey.Service, []*softkey.Key) {
	e.t.Helper()
	svc, err := passkey.New(portalOrigin, "deadbolt", e.nodes[0].Store, e.clock)
	if err != nil {
		e.t.Fatal(err)
	}
	var keys []*softkey.Key
	for _, m := range e.approv {
		k, err := softkey.New(portalOrigin)
		if err != nil {
			e.t.Fatal(err)
		}
		opts, state, err := svc.BeginRegistration(e.ctx, m)
		if err != nil {
			e.t.Fatal(err)
		}
		resp, err := k.Create(opts)
		if err != nil {
			e.t.Fatal(err)
		}
		pk, err := svc.FinishRegistration(e.ctx, m, state, resp, "laptop")
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.nodes[0].Store.Update(e.ctx, func(tx store.Tx) error { return tx.CreatePasskey(e.ctx, pk) }); err != nil {
			e.t.Fatal(err)
		}
		keys = append(keys, k)
	}
	for _, n := range e.nodes {
		n.Verifier = approval.PasskeyVerifier{Passkeys: svc}
	}
	return svc, keys
}

// sign runs the portal's sign-to-approve step for approver i: the
// statement, the passkey's assertion over its hash, the checked
// signature as the vote's evidence.
func sign(e *env, svc *passkey.Service, k *softkey.Key, i int, q store.UnlockRequest, approve bool) string {
	e.t.Helper()
	st, err := e.node(i).Statement(e.ctx, e.approv[i], q.ID, approve)
	if err != nil {
		e.t.Fatalf("statement: %v", err)
	}
	return signStatement(e, svc, k, e.approv[i], st)
}

// signStatement has approver m's passkey k sign st and returns the checked
// signature as a vote's evidence.
func signStatement(e *env, svc *passkey.Service, k *softkey.Key, m store.Member, st evidence.Statement) string {
	e.t.Helper()
	canonical, err := st.Canonical()
	if err != nil {
		e.t.Fatal(err)
	}
	opts, state, err := svc.BeginSign(e.ctx, m, canonical)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := k.Get(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	signed, err := svc.FinishSign(e.ctx, m, state, resp)
	if err != nil {
		e.t.Fatalf("FinishSign: %v", err)
	}
	raw, _ := json.Marshal(signed.Signature)
	return string(raw)
}

func (e *env) signedVote(i int, q store.UnlockRequest, approve bool, sig string) (approval.Outcome, error) {
	m := e.approv[i]
	return e.node(i).Vote(e.ctx, approval.Ballot{RequestID: q.ID, Voter: m, Approve: approve, Channel: approval.ChannelPortal,
		Actor: "member:" + m.ID, Evidence: sig})
}

// TestSignedQuorum: under a policy that says sign, unsigned and CLI
// approvals are refused, and so are a signature replayed from another
// approver or another decision; two signed approvals open the account,
// and the request's evidence verifies offline, pinned to the approvers'
// keys.
func TestSignedQuorum(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2, Sign: true, MaxDuration: 2 * time.Hour})
		svc, keys := signers(e)
		q := e.ask(approval.Ask{For: 2 * time.Hour})

		if _, err := e.vote(0, q, true); !errors.Is(err, approval.ErrSignatureRequired) {
			t.Fatalf("unsigned portal approval: %v", err)
		}
		// Under sign every vote is signed, a denial too (it decides as
		// surely, and the evidence must show who gave it).
		if _, err := e.vote(2, q, false); !errors.Is(err, approval.ErrSignatureRequired) {
			t.Fatalf("unsigned portal denial: %v", err)
		}
		if _, err := e.node(0).Vote(e.ctx, approval.Ballot{RequestID: q.ID, Voter: e.approv[0], Approve: true,
			Channel: approval.ChannelCLI, Actor: "cli:root"}); !errors.Is(err, approval.ErrSignatureRequired) {
			t.Fatalf("CLI approval: %v", err)
		}
		sig0 := sign(e, svc, keys[0], 0, q, true)
		if _, err := e.signedVote(1, q, true, sig0); !errors.Is(err, approval.ErrSignatureRequired) {
			t.Fatalf("approver 1 presenting approver 0's signature: %v", err)
		}
		denial := sign(e, svc, keys[1], 1, q, false)
		if _, err := e.signedVote(1, q, true, denial); !errors.Is(err, approval.ErrSignatureRequired) {
			t.Fatalf("a signed denial counted as an approval: %v", err)
		}
		if out, err := e.signedVote(0, q, true, sig0); err != nil || out.Decided {
			t.Fatalf("approver 0's signed approval: %+v, %v", out, err)
		}
		out, err := e.signedVote(1, q, true, sign(e, svc, keys[1], 1, q, true))
		if err != nil || !out.Decided || out.Request.Status != store.RequestApproved {
			t.Fatalf("approver 1's signed approval: %+v, %v", out, err)
		}
		if _, open := e.grant(); !open {
			t.Fatal("two signed approvals did not open the account")
		}

		votes, err := e.nodes[0].Store.Votes(e.ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		for _, v := range votes {
			stored = append(stored, v.Evidence)
		}
		file, err := evidence.Collect(stored)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		evidence.Write(&buf, file)
		read, err := evidence.Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		var fps []string
		for _, k := range keys[:2] {
			pub, _ := k.PublicKeyCOSE()
			fps = append(fps, evidence.Fingerprint(pub))
		}
		got, err := evidence.Verify(read, evidence.Options{RPID: "lock.acme.test", Keys: fps})
		if err != nil {
			t.Fatalf("the exported evidence: %v", err)
		}
		st := got[0].Statement
		if len(got) != 2 || st.Request != q.ID || st.Account != "treasury" || st.Application != e.app.Issuer ||
			st.Requester != e.owner.Email || st.Reason != "quarter close" || st.Duration() != 2*time.Hour ||
			st.Policy != e.policy.ID || st.Tenant != e.tenant.Name || got[1].Statement.ApproverID != e.approv[1].ID {
			t.Fatalf("verified statements: %+v", got)
		}
	})
}

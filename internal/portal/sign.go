package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Sign-to-approve: when a request's approval policy says sign (or an
// approval request for an operation is sign_and_approve), the approver
// decides on the request's sign page, which shows exactly what they sign;
// their passkey signs the SHA-256 of the decision's canonical JSON
// (package evidence: a version 1 statement for an access request, version
// 2 for an operation), and the vote carries the signature. One ceremony
// serves both kinds of request (signKind says how each is read, stated
// and voted on):
//   - access requests: /approvals/{id}/sign, …/sign/begin, …/sign/finish,
//     /approvals/{id}/evidence;
//   - operations: the same under /approvals/ops/{id}.

// signKind is one kind of request that can be decided signed.
type signKind struct {
	// prefix is the path of its requests before their ID.
	prefix string
	// load reads request id of m's tenant for the sign page: what the
	// page shows ("Item" or "Op") and its votes. A request m may not see
	// is store.ErrNotFound.
	load func(ctx context.Context, a *approval.Service, m store.Member, id string) (map[string]any, []store.Vote, error)
	// statement is approval.Service.Statement or OperationStatement.
	statement func(a *approval.Service, ctx context.Context, m store.Member, id string, approve bool) (evidence.Statement, error)
	// vote casts a signed (or plain) ballot.
	vote func(ctx context.Context, a *approval.Service, b approval.Ballot) error
}

// accessSigning decides access (unlock) requests.
var accessSigning = signKind{
	prefix: "/approvals/",
	load: func(ctx context.Context, a *approval.Service, m store.Member, id string) (map[string]any, []store.Vote, error) {
		it, err := a.Show(ctx, m.TenantID, id, m)
		if err == nil && !mayViewRequest(m, it) {
			err = store.ErrNotFound
		}
		return map[string]any{"Item": it}, it.Votes, err
	},
	statement: (*approval.Service).Statement,
	vote: func(ctx context.Context, a *approval.Service, b approval.Ballot) error {
		_, err := a.Vote(ctx, b)
		return err
	},
}

// operationSigning decides approval requests for operations.
var operationSigning = signKind{
	prefix: "/approvals/ops/",
	load: func(ctx context.Context, a *approval.Service, m store.Member, id string) (map[string]any, []store.Vote, error) {
		it, err := a.ShowOperation(ctx, m.TenantID, id, m)
		if err == nil && !mayViewOperation(m, it.Request) {
			err = store.ErrNotFound
		}
		return map[string]any{"Op": it}, it.Votes, err
	},
	statement: (*approval.Service).OperationStatement,
	vote: func(ctx context.Context, a *approval.Service, b approval.Ballot) error {
		_, _, err := a.VoteOperation(ctx, b)
		return err
	},
}

// signPage shows a request and what signing decides.
func (p *Portal) signPage(k signKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, data, votes, ok, err := p.signLoad(w, r, k)
		if !ok {
			return err
		}
		id := r.PathValue("id")
		st, stErr := k.statement(p.d.Approvals, r.Context(), s.member, id, true)
		data["Title"], data["Statement"], data["CanSign"] = "Sign a decision", st, stErr == nil
		data["Base"], data["Done"], data["Signed"] = k.prefix+id, r.URL.Query().Get("done"), signedVotes(votes)
		p.render(w, r, http.StatusOK, "sign", data)
		return nil
	}
}

// signBegin builds the statement of the member's decision and starts the
// passkey step that signs it.
func (p *Portal) signBegin(k signKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, ok, err := p.approvalsSession(w, r)
		if !ok {
			return err
		}
		var body struct {
			Decision string `json:"decision"`
		}
		raw, err := readBody(r)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &body); err != nil || (body.Decision != evidence.Approve && body.Decision != evidence.Deny) {
			return &pageError{Status: http.StatusBadRequest, Title: "Choose approve or deny", Message: "Say whether you approve or deny the request."}
		}
		st, err := k.statement(p.d.Approvals, r.Context(), s.member, r.PathValue("id"), body.Decision == evidence.Approve)
		if err != nil {
			return voteError(err)
		}
		canonical, err := st.Canonical()
		if err != nil {
			return err
		}
		options, state, err := p.passkeys.BeginSign(r.Context(), s.member, canonical)
		if err != nil {
			return rejected(err)
		}
		return p.beginCeremony(w, ceremony{Purpose: "sign", State: state, MemberID: s.member.ID}, options)
	}
}

// signFinish checks the signature and casts the signed vote.
func (p *Portal) signFinish(k signKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, ok, err := p.approvalsSession(w, r)
		if !ok {
			return err
		}
		req, c, err := p.finishCeremony(w, r, "sign")
		if err != nil {
			return err
		}
		if c.MemberID != s.member.ID {
			return &pageError{Status: http.StatusBadRequest, Title: "Start again", Message: "This passkey step belongs to another sign-in, perhaps in another tab. Reload the page and start again."}
		}
		signed, err := p.passkeys.FinishSign(r.Context(), s.member, c.State, req.Credential)
		if err != nil {
			return rejected(err)
		}
		id := r.PathValue("id")
		if signed.Statement.Request != id {
			return &pageError{Status: http.StatusBadRequest, Title: "Start again", Message: "This signature is for another request. Reload the page and start again."}
		}
		err = p.d.Store.Update(r.Context(), func(tx store.Tx) error {
			if err := p.useChallenge(r, tx, c); err != nil {
				return err
			}
			return tx.UpdatePasskey(r.Context(), signed.Passkey)
		})
		if err != nil {
			return err
		}
		sig, err := json.Marshal(signed.Signature)
		if err != nil {
			return err
		}
		err = k.vote(r.Context(), p.d.Approvals, approval.Ballot{RequestID: id, Voter: s.member, Approve: signed.Statement.Decision == evidence.Approve,
			Channel: approval.ChannelPortal, Actor: s.actor(), Evidence: string(sig)})
		if err != nil {
			return voteError(err)
		}
		p.d.Broker.Publish(s.member.ID)
		writeJSON(w, http.StatusOK, map[string]string{"redirect": k.prefix + id + "/sign?done=" + signed.Statement.Decision})
		return nil
	}
}

// evidenceDownload serves the request's evidence file to those who may
// see the request (mayViewRequest, mayViewOperation).
func (p *Portal) evidenceDownload(k signKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, _, votes, ok, err := p.signLoad(w, r, k)
		if !ok {
			return err
		}
		id := r.PathValue("id")
		sigs := signedVotes(votes)
		if len(sigs) == 0 {
			return &pageError{Status: http.StatusNotFound, Title: "No signed votes", Message: "Nobody has signed a decision on this request yet."}
		}
		e, err := evidence.Collect(sigs)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := evidence.Write(&buf, e); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="evidence-`+id+`.json"`)
		w.Write(buf.Bytes())
		return nil
	}
}

// approvalsSession is requireSession for the approvals pages, which are
// not found when approvals are not set up on this server.
func (p *Portal) approvalsSession(w http.ResponseWriter, r *http.Request) (signedIn, bool, error) {
	s, ok, err := p.requireSession(w, r)
	if ok && p.d.Approvals == nil {
		return s, false, errNoApprovals
	}
	return s, ok, err
}

// signLoad is approvalsSession, then the path's request of kind k as the
// member may see it (load): the page's data and the request's votes.
func (p *Portal) signLoad(w http.ResponseWriter, r *http.Request, k signKind) (signedIn, map[string]any, []store.Vote, bool, error) {
	s, ok, err := p.approvalsSession(w, r)
	if !ok {
		return s, nil, nil, false, err
	}
	data, votes, err := k.load(r.Context(), p.d.Approvals, s.member, r.PathValue("id"))
	if err != nil {
		return s, nil, nil, false, notFoundRequest(err)
	}
	return s, data, votes, true, nil
}

// mayViewRequest says whether m may see a request's details (requester,
// reason, where the attempt came from) and its evidence: its approvers,
// whoever asked for it, the account's owner, and the tenant's owners,
// admins and auditors. Anyone else is told there is no such request.
func mayViewRequest(m store.Member, it approval.Item) bool {
	return admin.Oversees(m) || slices.Contains(it.Approvers, m.ID) || it.Request.RequestedBy == m.ID || it.Account.OwnerID == m.ID
}

// mayViewOperation is mayViewRequest for an approval request for an
// operation: its approvers, the member it is about, and the tenant's
// owners, admins and auditors.
func mayViewOperation(m store.Member, o store.Operation) bool {
	return admin.Oversees(m) || slices.Contains(o.Approvers, m.ID) || o.RequesterID != "" && o.RequesterID == m.ID
}

// signedVotes returns the evidence of the signed votes, oldest first.
func signedVotes(votes []store.Vote) []string {
	var out []string
	for _, v := range votes {
		if v.Evidence != "" {
			out = append(out, v.Evidence)
		}
	}
	return out
}

var errNoApprovals = &pageError{Status: http.StatusNotFound, Title: "Page not found", Message: "Approvals are not set up on this server."}

func notFoundRequest(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &pageError{Status: http.StatusNotFound, Title: "Request not found", Message: "There is no such request, or it is not yours to see.", Cause: err}
	}
	return err
}

// voteError explains why a vote cannot be cast.
func voteError(err error) error {
	msg := ""
	switch {
	case errors.Is(err, approval.ErrNotApprover):
		msg = "You are not an approver of this request, or you have already voted on it."
	case errors.Is(err, approval.ErrSelfApproval):
		msg = "You may not approve your own request, nor one about your own account, unless its policy allows it."
	case errors.Is(err, approval.ErrSignatureRequired):
		msg = "The policy requires a decision signed with your passkey, and this signature was not accepted."
	case errors.Is(err, store.ErrConflict):
		msg = "You have already voted on this request."
	default:
		return notFoundRequest(err)
	}
	return &pageError{Status: http.StatusForbidden, Title: "Vote not accepted", Message: msg, Cause: err}
}

func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, maxCeremonyBody)); err != nil {
		return nil, &pageError{Status: http.StatusBadRequest, Title: "Something went wrong", Message: "deadbolt could not read what your browser sent. Reload the page and try again.", Cause: err}
	}
	return buf.Bytes(), nil
}

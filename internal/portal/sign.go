package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Sign-to-approve: when a request's approval policy says sign, the
// approver decides on /approvals/{id}/sign, which shows exactly what they
// sign; their passkey signs the SHA-256 of the decision's canonical JSON
// (package evidence), and the vote carries the signature.

// signPage shows a request and what signing decides.
func (p *Portal) signPage(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Approvals == nil {
		return errNoApprovals
	}
	it, err := p.d.Approvals.Show(r.Context(), s.member.TenantID, r.PathValue("id"), s.member)
	if err != nil {
		return notFoundRequest(err)
	}
	if !mayViewRequest(s.member, it) {
		return notFoundRequest(store.ErrNotFound)
	}
	st, stErr := p.d.Approvals.Statement(r.Context(), s.member, it.Request.ID, true)
	p.render(w, r, http.StatusOK, "sign", map[string]any{
		"Title": "Sign a decision", "Item": it, "Statement": st, "CanSign": stErr == nil,
		"Done": r.URL.Query().Get("done"), "Signed": signedVotes(it.Votes),
	})
	return nil
}

// signBegin builds the statement of the member's decision and starts the
// passkey step that signs it.
func (p *Portal) signBegin(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Approvals == nil {
		return errNoApprovals
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
	st, err := p.d.Approvals.Statement(r.Context(), s.member, r.PathValue("id"), body.Decision == evidence.Approve)
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

// signFinish checks the signature and casts the signed vote.
func (p *Portal) signFinish(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Approvals == nil {
		return errNoApprovals
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
	_, err = p.d.Approvals.Vote(r.Context(), approval.Ballot{RequestID: id, Voter: s.member, Approve: signed.Statement.Decision == evidence.Approve,
		Channel: approval.ChannelPortal, Actor: s.actor(), Evidence: string(sig)})
	if err != nil {
		return voteError(err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/approvals/" + id + "/sign?done=" + signed.Statement.Decision})
	return nil
}

// evidenceDownload serves the request's evidence file to its approvers,
// its requester and the tenant's admins.
func (p *Portal) evidenceDownload(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Approvals == nil {
		return errNoApprovals
	}
	it, err := p.d.Approvals.Show(r.Context(), s.member.TenantID, r.PathValue("id"), s.member)
	if err != nil {
		return notFoundRequest(err)
	}
	if !mayViewRequest(s.member, it) {
		return notFoundRequest(store.ErrNotFound)
	}
	sigs := signedVotes(it.Votes)
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
	w.Header().Set("Content-Disposition", `attachment; filename="evidence-`+it.Request.ID+`.json"`)
	w.Write(buf.Bytes())
	return nil
}

// mayViewRequest says whether m may see a request's details (requester,
// reason, where the attempt came from) and its evidence: its approvers,
// whoever asked for it, the account's owner, and the tenant's owners,
// admins and auditors. Anyone else is told there is no such request.
func mayViewRequest(m store.Member, it approval.Item) bool {
	return admin.Oversees(m) || slices.Contains(it.Approvers, m.ID) || it.Request.RequestedBy == m.ID || it.Account.OwnerID == m.ID
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
		msg = "The policy does not allow you to approve your own access."
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

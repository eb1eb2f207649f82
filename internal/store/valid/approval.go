package valid

import "github.com/deadbolt-dev/deadbolt/internal/store"

// Ask checks a request a member asks for, for AskRequest.
func Ask(q store.UnlockRequest) error {
	var r Rules
	r.Need("request id", q.ID, "tenant id", q.TenantID, "application id", q.AppID, "account id", q.AccountID,
		"requested by", q.RequestedBy)
	now := r.Time("updated at", q.UpdatedAt, true)
	expires := r.Time("expires at", q.ExpiresAt, true)
	if r.Err() == nil && expires <= now {
		r.Fail("expires at is not after updated at")
	}
	switch q.Kind {
	case store.RequestAhead:
	case store.RequestExtend:
		r.Need("extended grant", q.ExtendsGrant)
	default:
		r.Fail("kind %q is not ahead or extend", q.Kind)
	}
	if q.Duration < 0 {
		r.Fail("duration is negative")
	}
	return r.Err()
}

// Vote checks a vote for CastVote.
func Vote(v store.Vote) error {
	var r Rules
	return r.Need("request id", v.RequestID, "tenant id", v.TenantID, "member id", v.MemberID, "channel", v.Channel, "actor", v.Actor).
		At("at", v.At, true).
		Require(v.Decision == store.VoteApprove || v.Decision == store.VoteDeny, "decision %q is not approve or deny", v.Decision).Err()
}

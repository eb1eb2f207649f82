package notify

import (
	"fmt"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Wording is how a member channel's carrier words each kind of notice to
// a member, into its own message type T (an email, a push payload). A nil
// field is a kind the carrier does not word.
type Wording[T any] struct {
	Raised      func(Notice) (T, error) // TypeRequestRaised
	Asked       func(Notice) (T, error) // TypeApprovalAsked
	Decided     func(Notice) (T, error) // TypeRequestDecided
	Recovery    func(Recovery) (T, error)
	BreakGlass  func(BreakGlass) (T, error)
	PolicyAlert func(PolicyAlert) (T, error)
	Verify      func(Verification) (T, error) // TypeEmailVerify
}

// Word decodes the notice m carries, by m.Type, and words it with w.
// Retrying cannot help a payload that does not decode, a type w does not
// word, or a wording that fails: each error wraps ErrPermanent.
func Word[T any](m store.OutboxMessage, w Wording[T]) (T, error) {
	switch m.Type {
	case TypeRecovery:
		return wordAs(m, DecodeRecovery, w.Recovery)
	case TypeBreakGlass:
		return wordAs(m, DecodeBreakGlass, w.BreakGlass)
	case TypePolicyAlert:
		return wordAs(m, DecodePolicyAlert, w.PolicyAlert)
	case TypeEmailVerify:
		return wordAs(m, DecodeVerification, w.Verify)
	case TypeApprovalAsked:
		return wordAs(m, DecodeNotice, w.Asked)
	case TypeRequestDecided:
		return wordAs(m, DecodeNotice, w.Decided)
	default: // TypeRequestRaised; DecodeNotice refuses any other type
		return wordAs(m, DecodeNotice, w.Raised)
	}
}

// wordAs decodes m with decode and words the result with word.
func wordAs[N, T any](m store.OutboxMessage, decode func(store.OutboxMessage) (N, error), word func(N) (T, error)) (T, error) {
	var zero T
	n, err := decode(m)
	if err != nil {
		return zero, err // wraps ErrPermanent
	}
	if word == nil {
		return zero, fmt.Errorf("%w: this channel does not carry %q messages", ErrPermanent, m.Type)
	}
	out, err := word(n)
	if err != nil {
		return zero, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	return out, nil
}

package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TypeEmailVerify is the type of the mail that asks a member to confirm
// their email address.
const TypeEmailVerify = "email.verify"

// Verification asks a member who registered through an enablement link to
// confirm their email. It is the payload of an email message; unlike a
// notice it carries a secret, the one-time Link, which verifies the email
// only when opened by the same member, signed in (docs/portal.md).
type Verification struct {
	Link        string    `json:"link"`
	Application string    `json:"application,omitempty"` // the application they registered through, if any
	Account     string    `json:"account,omitempty"`     // and its account
	Expires     time.Time `json:"expires"`               // when the link stops working
}

// EnqueueVerification writes, inside tx, the mail with verification v for
// member m to the outbox, whatever channels m chose: it goes to the
// address it is about.
func EnqueueVerification(ctx context.Context, tx store.OutboxTx, m store.Member, v Verification, now time.Time) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("notify: encode verification: %w", err)
	}
	return tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: ids.New(), TenantID: m.TenantID, Channel: store.ChannelEmail,
		MemberID: m.ID, Type: TypeEmailVerify, Payload: payload, CreatedAt: now})
}

// DecodeVerification reads the verification of an email message. A
// payload that is not one cannot become one by retrying: the error wraps
// ErrPermanent.
func DecodeVerification(m store.OutboxMessage) (Verification, error) {
	var v Verification
	if m.Type != TypeEmailVerify {
		return v, fmt.Errorf("%w: message type %q is not a verification", ErrPermanent, m.Type)
	}
	if err := json.Unmarshal(m.Payload, &v); err != nil || v.Link == "" {
		return v, fmt.Errorf("%w: verification payload: %v", ErrPermanent, err)
	}
	v.Application, v.Account = Line(v.Application, 200), Line(v.Account, 512)
	return v, nil
}

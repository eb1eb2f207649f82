package sqlrow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// VerifyEmail marks with db the email of member id verified at time at.
// verify is an UPDATE, whose arguments are the time, the ID and the email
// in lower case, that changes only a member of that email not verified yet;
// emailOf reads a member's email by ID. A member who does not exist, or has
// another email now, is store.ErrNotFound; one verified already is false.
func (d *Dialect) VerifyEmail(ctx context.Context, db DB, verify, emailOf, id, email string, at time.Time) (bool, error) {
	const op = "verify email"
	n, err := valid.VerifyEmail(id, email, at)
	if err != nil {
		return false, d.Wrap(op, err)
	}
	email = strings.ToLower(email)
	rows, err := db.Exec(ctx, op, verify, n, id, email)
	return Applied(rows, err, func() error {
		var now string
		if err := db.QueryRow(ctx, emailOf, id).Scan(&now); err != nil {
			return d.Wrap(op, err)
		}
		if now != email {
			return d.Fail(op, store.ErrNotFound, "member %s has another email", id)
		}
		return nil
	})
}

// memberRows are the tables whose rows of a member go with the member.
var memberRows = []string{"sessions", "passkeys", "invites", "push_subscriptions", "slack_links", "outbox"}

// DeleteMember deletes member id with db, with their sessions, passkeys,
// invites, push subscriptions, Slack links and outbox messages. owned
// counts the accounts the member owns (and may lock the member's row): a
// member who owns one is store.ErrConflict. deleteRows deletes one table's
// rows of a member, %s standing for the table; deleteMember deletes the
// member. Both take the member's ID as their one argument.
func (d *Dialect) DeleteMember(ctx context.Context, db DB, owned, deleteRows, deleteMember, id string) error {
	const op = "delete member"
	var n int
	if err := db.QueryRow(ctx, owned, id).Scan(&n); err != nil {
		return d.Wrap(op, err)
	}
	if n > 0 {
		return d.Fail(op, store.ErrConflict, "member %s still owns %d accounts", id, n)
	}
	for _, table := range memberRows {
		if _, err := db.Exec(ctx, op, fmt.Sprintf(deleteRows, table), id); err != nil {
			return err
		}
	}
	deleted, err := db.Exec(ctx, op, deleteMember, id)
	return d.Found(op, deleted, err)
}

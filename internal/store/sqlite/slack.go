package sqlite

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Members' Slack links: portal records, read by no cached path.

// SlackLink implements store.Reader.
func (r reads) SlackLink(ctx context.Context, memberID string) (store.SlackLink, error) {
	return one(ctx, r.querier(), "read slack link", dialect.ScanSlack,
		`SELECT `+sqlrow.SlackCols+` FROM slack_links WHERE member_id = ?`, memberID)
}

// SlackMember implements store.Reader.
func (r reads) SlackMember(ctx context.Context, tenantID, teamID, userID string) (store.SlackLink, error) {
	return one(ctx, r.querier(), "read slack member", dialect.ScanSlack,
		`SELECT `+sqlrow.SlackCols+` FROM slack_links WHERE tenant_id = ? AND team_id = ? AND user_id = ?`,
		tenantID, teamID, userID)
}

// PutSlackLink implements store.Tx with one upsert on the member; the
// unique (tenant, team, user) makes a Slack user another member of the
// tenant holds ErrConflict.
func (t *txn) PutSlackLink(ctx context.Context, l store.SlackLink) error {
	const op = "put slack link"
	if err := valid.SlackLink(l); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO slack_links (`+sqlrow.SlackCols+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (member_id) DO UPDATE SET team_id = excluded.team_id, user_id = excluded.user_id,
		created_at = excluded.created_at, confirmed_at = excluded.confirmed_at WHERE slack_links.tenant_id = excluded.tenant_id`,
		l.MemberID, l.TenantID, l.TeamID, l.UserID, valid.Nanos(l.CreatedAt), valid.Nanos(l.ConfirmedAt))
	return err
}

// DeleteSlackLink implements store.Tx.
func (t *txn) DeleteSlackLink(ctx context.Context, memberID string) (bool, error) {
	n, err := t.exec(ctx, "delete slack link", `DELETE FROM slack_links WHERE member_id = ?`, memberID)
	return n > 0, err
}

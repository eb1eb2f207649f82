package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Members' Slack links: portal records, read by no cached path.

// SlackLink implements store.Reader.
func (r Reads) SlackLink(ctx context.Context, memberID string) (store.SlackLink, error) {
	return One(ctx, r.D, r.Q, "read slack link", r.D.ScanSlack,
		`SELECT `+SlackCols+` FROM slack_links WHERE member_id = $1`, memberID)
}

// SlackMember implements store.Reader.
func (r Reads) SlackMember(ctx context.Context, tenantID, teamID, userID string) (store.SlackLink, error) {
	return One(ctx, r.D, r.Q, "read slack member", r.D.ScanSlack,
		`SELECT `+SlackCols+` FROM slack_links WHERE tenant_id = $1 AND team_id = $2 AND user_id = $3`,
		tenantID, teamID, userID)
}

// PutSlackLink implements store.Tx with one upsert on the member; the
// unique (tenant, team, user) makes a Slack user another member of the
// tenant holds ErrConflict.
func (w Writes) PutSlackLink(ctx context.Context, l store.SlackLink) error {
	const op = "put slack link"
	if err := valid.SlackLink(l); err != nil {
		return w.D.Wrap(op, err)
	}
	_, err := w.DB.Exec(ctx, op, `INSERT INTO slack_links (`+SlackCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (member_id) DO UPDATE SET team_id = excluded.team_id, user_id = excluded.user_id,
		created_at = excluded.created_at, confirmed_at = excluded.confirmed_at WHERE slack_links.tenant_id = excluded.tenant_id`,
		l.MemberID, l.TenantID, l.TeamID, l.UserID, valid.Nanos(l.CreatedAt), valid.Nanos(l.ConfirmedAt))
	return err
}

// DeleteSlackLink implements store.Tx.
func (w Writes) DeleteSlackLink(ctx context.Context, memberID string) (bool, error) {
	n, err := w.DB.Exec(ctx, "delete slack link", `DELETE FROM slack_links WHERE member_id = $1`, memberID)
	return n > 0, err
}

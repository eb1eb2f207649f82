package sqlrow

import (
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Each ScanX reads the columns listed in XCols, in that order. They are
// methods of the Dialect only because some tables hold a list column.

// ScanTenant reads TenantCols.
func (d *Dialect) ScanTenant(r Row) (t store.Tenant, err error) {
	var created int64
	err = r.Scan(&t.ID, &t.Name, &created)
	t.CreatedAt = valid.FromNanos(created)
	return t, err
}

// ScanApplication reads AppCols; no origins is nil.
func (d *Dialect) ScanApplication(r Row) (a store.Application, err error) {
	var defUnlock, maxUnlock, created, updated int64
	err = r.Scan(&a.ID, &a.TenantID, &a.Name, &a.Issuer, &a.Unenrolled, &a.FailMode, &a.Enabled, &a.LockedDown,
		&defUnlock, &maxUnlock, &created, &updated, d.Lists.Dest(&a.Origins, OriginsSep), &a.ServerNamesAccounts)
	if len(a.Origins) == 0 {
		a.Origins = nil
	}
	a.DefaultUnlock, a.MaxUnlock = time.Duration(defUnlock), time.Duration(maxUnlock)
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return a, err
}

// ScanSigningKey reads KeyCols; an empty secret or public key is nil.
func (d *Dialect) ScanSigningKey(r Row) (k store.SigningKey, err error) {
	var created, expires, revoked, used int64
	err = r.Scan(&k.KID, &k.AppID, &k.TenantID, &k.Algorithm, &k.SealedSecret, &k.PublicKey,
		&created, &expires, &revoked, &used)
	if len(k.SealedSecret) == 0 {
		k.SealedSecret = nil
	}
	if len(k.PublicKey) == 0 {
		k.PublicKey = nil
	}
	k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt = valid.FromNanos(created), valid.FromNanos(expires), valid.FromNanos(revoked), valid.FromNanos(used)
	return k, err
}

// ScanMember reads MemberCols; channels never chosen (NULL) are nil, none
// chosen an empty list.
func (d *Dialect) ScanMember(r Row) (m store.Member, err error) {
	var created, updated, verified int64
	err = r.Scan(&m.ID, &m.TenantID, &m.Email, &m.Name, &m.Role, &m.LockAll, &m.LockedDown, &created, &updated,
		d.Lists.Dest(&m.Channels, ChannelsSep), &verified)
	m.CreatedAt, m.UpdatedAt, m.EmailVerifiedAt = valid.FromNanos(created), valid.FromNanos(updated), valid.FromNanos(verified)
	return m, err
}

// ScanAccount reads AccountCols; no owner (NULL) is "".
func (d *Dialect) ScanAccount(r Row) (a store.Account, err error) {
	var owner sql.NullString
	var created, updated int64
	err = r.Scan(&a.ID, &a.TenantID, &a.AppID, &a.Name, &owner, &created, &updated)
	a.OwnerID = owner.String
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return a, err
}

// ScanGrant reads GrantCols.
func (d *Dialect) ScanGrant(r Row) (g store.Grant, err error) {
	var until, created, consumed, revoked int64
	err = r.Scan(&g.ID, &g.TenantID, &g.AccountID, &until, &g.Once, &g.Reason, &g.GrantedBy, &created, &consumed, &revoked)
	g.Until, g.CreatedAt, g.ConsumedAt, g.RevokedAt = valid.FromNanos(until), valid.FromNanos(created), valid.FromNanos(consumed), valid.FromNanos(revoked)
	return g, err
}

// ScanCheck reads CheckCols.
func (d *Dialect) ScanCheck(r Row) (c store.CheckRecord, err error) {
	var at int64
	err = r.Scan(&c.ID, &c.TenantID, &c.AppID, &c.KID, &c.Account, &at, &c.Locked, &c.Status,
		&c.IP, &c.Device, &c.Location, &c.IntegrationType, &c.PolicyID)
	c.At = valid.FromNanos(at)
	return c, err
}

// ScanCheckpoint reads CheckpointCols.
func (d *Dialect) ScanCheckpoint(r Row) (c audit.Checkpoint, err error) {
	var at int64
	err = r.Scan(&c.TenantID, &c.Seq, &c.Hash, &at, &c.KeyID, &c.Signature)
	c.At = valid.FromNanos(at)
	return c, err
}

// ScanAuditHead reads AuditHeadCols.
func (d *Dialect) ScanAuditHead(r Row) (h audit.Head, err error) {
	var at int64
	err = r.Scan(&h.TenantID, &h.Seq, &h.Hash, &at)
	h.At = valid.FromNanos(at)
	return h, err
}

// ScanTenantAudit reads TenantAuditCols, the records of tenantID (the
// column the query selected by is not read again for every record).
func (d *Dialect) ScanTenantAudit(tenantID string) func(Row) (audit.Record, error) {
	return func(r Row) (a audit.Record, err error) {
		var at int64
		var data string
		err = r.Scan(&a.Seq, &at, &a.Actor, &a.Action, &a.Target, &data, &a.PrevHash, &a.Hash)
		a.TenantID, a.At, a.Data = tenantID, valid.FromNanos(at), json.RawMessage(data)
		return a, err
	}
}

// ScanWebhook reads WebhookCols; no events is nil.
func (d *Dialect) ScanWebhook(r Row) (w store.Webhook, err error) {
	var created int64
	err = r.Scan(&w.ID, &w.TenantID, &w.URL, &w.SealedSecret, d.Lists.Dest(&w.Events, EventsSep), &created)
	if len(w.Events) == 0 {
		w.Events = nil
	}
	w.CreatedAt = valid.FromNanos(created)
	return w, err
}

// ScanOutbox reads OutboxCols.
func (d *Dialect) ScanOutbox(r Row) (m store.OutboxMessage, err error) {
	var created, next, delivered, failed int64
	err = r.Scan(&m.ID, &m.TenantID, &m.Channel, &m.WebhookID, &m.MemberID, &m.Endpoint, &m.Type, &m.Payload, &created, &m.Attempts, &next, &delivered, &failed, &m.LastError)
	m.CreatedAt, m.NextAttemptAt, m.DeliveredAt, m.FailedAt = valid.FromNanos(created), valid.FromNanos(next), valid.FromNanos(delivered), valid.FromNanos(failed)
	return m, err
}

// ScanRequest reads RequestCols.
func (d *Dialect) ScanRequest(r Row) (q store.UnlockRequest, err error) {
	var created, updated, expires, decided, duration, starts int64
	var rule string
	err = r.Scan(&q.ID, &q.TenantID, &q.AppID, &q.AccountID, &q.Status, &q.IP, &q.Device, &q.Location,
		&q.IntegrationType, &q.Checks, &created, &updated, &expires, &q.DecidedBy, &decided, &q.GrantID,
		&q.Kind, &q.RequestedBy, &q.Reason, &duration, &starts, &q.ExtendsGrant, &q.PolicyID, &rule)
	q.CreatedAt, q.UpdatedAt, q.ExpiresAt, q.DecidedAt = valid.FromNanos(created), valid.FromNanos(updated), valid.FromNanos(expires), valid.FromNanos(decided)
	q.Duration, q.StartsAt = time.Duration(duration), valid.FromNanos(starts)
	if rule != "" {
		q.Rule = json.RawMessage(rule)
	}
	return q, err
}

// ScanVote reads VoteCols.
func (d *Dialect) ScanVote(r Row) (v store.Vote, err error) {
	var at int64
	err = r.Scan(&v.RequestID, &v.TenantID, &v.MemberID, &v.Decision, &v.Channel, &v.Actor, &v.Comment, &v.Evidence, &at)
	v.At = valid.FromNanos(at)
	return v, err
}

// ScanPasskey reads PasskeyCols.
func (d *Dialect) ScanPasskey(r Row) (p store.Passkey, err error) {
	var created, used int64
	err = r.Scan(&p.ID, &p.TenantID, &p.MemberID, &p.Name, &p.Credential, &created, &used)
	p.CreatedAt, p.LastUsedAt = valid.FromNanos(created), valid.FromNanos(used)
	return p, err
}

// ScanSession reads SessionCols.
func (d *Dialect) ScanSession(r Row) (s store.Session, err error) {
	var created, seen, expires int64
	err = r.Scan(&s.ID, &s.TenantID, &s.MemberID, &created, &seen, &expires, &s.IP, &s.UserAgent)
	s.CreatedAt, s.SeenAt, s.ExpiresAt = valid.FromNanos(created), valid.FromNanos(seen), valid.FromNanos(expires)
	return s, err
}

// ScanInvite reads InviteCols.
func (d *Dialect) ScanInvite(r Row) (i store.Invite, err error) {
	var created, expires, used int64
	err = r.Scan(&i.ID, &i.TenantID, &i.MemberID, &i.CreatedBy, &created, &expires, &used)
	i.CreatedAt, i.ExpiresAt, i.UsedAt = valid.FromNanos(created), valid.FromNanos(expires), valid.FromNanos(used)
	return i, err
}

// ScanPush reads PushCols.
func (d *Dialect) ScanPush(r Row) (p store.PushSubscription, err error) {
	var created int64
	err = r.Scan(&p.ID, &p.TenantID, &p.MemberID, &p.Endpoint, &p.P256dh, &p.Auth, &p.UserAgent, &created)
	p.CreatedAt = valid.FromNanos(created)
	return p, err
}

// ScanSlack reads SlackCols.
func (d *Dialect) ScanSlack(r Row) (l store.SlackLink, err error) {
	var created, confirmed int64
	err = r.Scan(&l.MemberID, &l.TenantID, &l.TeamID, &l.UserID, &created, &confirmed)
	l.CreatedAt, l.ConfirmedAt = valid.FromNanos(created), valid.FromNanos(confirmed)
	return l, err
}

// checkStateRow holds one row of CheckStateCols as scanned. Scan takes the
// address of every column, so each would escape to the heap on its own;
// in one struct they cost one allocation.
type checkStateRow struct {
	aID, aTenant                          string
	owner                                 sql.NullString
	aCreated, aUpdated                    int64
	gID, gTenant, gReason, gBy            sql.NullString
	gUntil, gCreated, gConsumed, gRevoked sql.NullInt64
	gOnce                                 sql.NullBool
	mTenant, mEmail, mName, mRole         sql.NullString
	mLockAll, mLockedDown                 sql.NullBool
	mCreated, mUpdated                    sql.NullInt64
	mChannels                             []string
}

// ScanCheckState reads CheckStateCols of the account appID/accountName:
// the lock check's whole read. No row is a state with Found false, not an
// error.
func (d *Dialect) ScanCheckState(r Row, appID, accountName string) (store.CheckState, error) {
	c := new(checkStateRow)
	err := r.Scan(&c.aID, &c.aTenant, &c.owner, &c.aCreated, &c.aUpdated,
		&c.gID, &c.gTenant, &c.gUntil, &c.gOnce, &c.gReason, &c.gBy, &c.gCreated, &c.gConsumed, &c.gRevoked,
		&c.mTenant, &c.mEmail, &c.mName, &c.mRole, &c.mLockAll, &c.mLockedDown, &c.mCreated, &c.mUpdated,
		d.Lists.Dest(&c.mChannels, ChannelsSep))
	if errors.Is(err, d.NoRows) {
		return store.CheckState{}, nil
	}
	if err != nil {
		return store.CheckState{}, err
	}
	a := store.Account{
		ID: c.aID, TenantID: c.aTenant, AppID: appID, Name: accountName, OwnerID: c.owner.String,
		CreatedAt: valid.FromNanos(c.aCreated), UpdatedAt: valid.FromNanos(c.aUpdated),
	}
	cs := store.CheckState{Found: true, Account: a}
	if c.gID.Valid {
		cs.Grant = &store.Grant{
			ID: c.gID.String, TenantID: c.gTenant.String, AccountID: a.ID,
			Until: valid.FromNanos(c.gUntil.Int64), Once: c.gOnce.Bool, Reason: c.gReason.String, GrantedBy: c.gBy.String,
			CreatedAt: valid.FromNanos(c.gCreated.Int64), ConsumedAt: valid.FromNanos(c.gConsumed.Int64), RevokedAt: valid.FromNanos(c.gRevoked.Int64),
		}
	}
	if c.owner.Valid && c.mTenant.Valid {
		cs.Owner = &store.Member{
			ID: c.owner.String, TenantID: c.mTenant.String, Email: c.mEmail.String, Name: c.mName.String, Role: c.mRole.String,
			LockAll: c.mLockAll.Bool, LockedDown: c.mLockedDown.Bool, Channels: c.mChannels,
			CreatedAt: valid.FromNanos(c.mCreated.Int64), UpdatedAt: valid.FromNanos(c.mUpdated.Int64),
		}
	}
	return cs, nil
}

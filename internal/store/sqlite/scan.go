package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// Each scanX reads the columns listed in xCols, in that order.

func scanTenant(sc scanner) (t store.Tenant, err error) {
	var created int64
	err = sc.Scan(&t.ID, &t.Name, &created)
	t.CreatedAt = valid.FromNanos(created)
	return t, err
}

func scanApplication(sc scanner) (a store.Application, err error) {
	var defUnlock, maxUnlock, created, updated int64
	var origins string
	err = sc.Scan(&a.ID, &a.TenantID, &a.Name, &a.Issuer, &a.Unenrolled, &a.FailMode, &a.Enabled, &a.LockedDown,
		&defUnlock, &maxUnlock, &created, &updated, &origins, &a.ServerNamesAccounts)
	a.Origins = splitList(origins, "\n")
	a.DefaultUnlock, a.MaxUnlock = time.Duration(defUnlock), time.Duration(maxUnlock)
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return a, err
}

func scanSigningKey(sc scanner) (k store.SigningKey, err error) {
	var created, expires, revoked, used int64
	err = sc.Scan(&k.KID, &k.AppID, &k.TenantID, &k.Algorithm, &k.SealedSecret, &k.PublicKey,
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

func scanMember(sc scanner) (m store.Member, err error) {
	var created, updated, verified int64
	var channels sql.NullString
	err = sc.Scan(&m.ID, &m.TenantID, &m.Email, &m.Name, &m.Role, &m.LockAll, &m.LockedDown, &created, &updated, &channels, &verified)
	m.Channels = channelList(channels)
	m.CreatedAt, m.UpdatedAt, m.EmailVerifiedAt = valid.FromNanos(created), valid.FromNanos(updated), valid.FromNanos(verified)
	return m, err
}

func scanAccount(sc scanner) (a store.Account, err error) {
	var owner sql.NullString
	var created, updated int64
	err = sc.Scan(&a.ID, &a.TenantID, &a.AppID, &a.Name, &owner, &created, &updated)
	a.OwnerID = owner.String
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return a, err
}

func scanGrant(sc scanner) (g store.Grant, err error) {
	var until, created, consumed, revoked int64
	err = sc.Scan(&g.ID, &g.TenantID, &g.AccountID, &until, &g.Once, &g.Reason, &g.GrantedBy, &created, &consumed, &revoked)
	g.Until, g.CreatedAt, g.ConsumedAt, g.RevokedAt = valid.FromNanos(until), valid.FromNanos(created), valid.FromNanos(consumed), valid.FromNanos(revoked)
	return g, err
}

func scanCheck(sc scanner) (c store.CheckRecord, err error) {
	var at int64
	err = sc.Scan(&c.ID, &c.TenantID, &c.AppID, &c.KID, &c.Account, &at, &c.Locked, &c.Status,
		&c.IP, &c.Device, &c.Location, &c.IntegrationType)
	c.At = valid.FromNanos(at)
	return c, err
}

func scanAudit(sc scanner) (r audit.Record, err error) {
	var at int64
	var data string
	err = sc.Scan(&r.TenantID, &r.Seq, &at, &r.Actor, &r.Action, &r.Target, &data, &r.PrevHash, &r.Hash)
	r.At = valid.FromNanos(at)
	r.Data = json.RawMessage(data)
	return r, err
}

// splitList reads a list stored joined by sep; "" is nil.
func splitList(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// channelList reads members.channels: NULL is nil (never chose), "" is an
// empty list (chose none).
func channelList(c sql.NullString) []string {
	if !c.Valid {
		return nil
	}
	if c.String == "" {
		return []string{}
	}
	return strings.Split(c.String, ",")
}

// channelValue is the inverse of channelList.
func channelValue(cs []string) any {
	if cs == nil {
		return nil
	}
	return strings.Join(cs, ",")
}

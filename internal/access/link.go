package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrOwnedByAnother: the account is already linked to a different member.
var ErrOwnedByAnother = fmt.Errorf("account is linked to another member: %w", store.ErrConflict)

// LinkTx links account name at app to member m inside tx (enablement): the
// application's token proves the account, so m need not have a verified
// email (nothing here goes by email). An
// account nobody enrolled is enrolled with m as its owner, an unowned one
// gets m as its owner, and one m already owns is left as it is. An account
// owned by someone else is ErrOwnedByAnother; a member of another tenant is
// store.ErrInvalid. It reports whether it changed anything.
func LinkTx(ctx context.Context, tx store.AccountTx, actor string, app store.Application, name string, m store.Member, now time.Time) (store.Account, bool, error) {
	if err := CheckAccountName(name); err != nil {
		return store.Account{}, false, err
	}
	if m.TenantID != app.TenantID {
		return store.Account{}, false, fmt.Errorf("%w: member %s is not in the application's tenant", store.ErrInvalid, m.Email)
	}
	a, err := tx.Account(ctx, app.ID, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a, err = enrollTx(ctx, tx, actor, app, name, m.ID, now)
		return a, err == nil, err
	case err != nil:
		return store.Account{}, false, err
	case a.OwnerID == m.ID:
		return a, false, nil
	case a.OwnerID != "":
		return store.Account{}, false, fmt.Errorf("account %q at %s: %w", name, app.Issuer, ErrOwnedByAnother)
	}
	if err := tx.SetAccountOwner(ctx, a.ID, m.ID, now); err != nil {
		return store.Account{}, false, err
	}
	a.OwnerID, a.UpdatedAt = m.ID, now
	return a, true, store.AppendAudit(ctx, tx, app.TenantID, actor, "account.linked", "account:"+a.ID,
		map[string]any{"account": name, "application": app.Issuer, "owner": m.ID}, now)
}

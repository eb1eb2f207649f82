package migration

import (
	"fmt"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// EnsureCurrent is what a backend's Open does with a database at version
// have when the binary knows up to want: nothing when they agree; refuse
// a database ahead of the binary (store.ErrSchemaTooNew) and, unless
// autoMigrate is set, one behind it (store.ErrSchemaBehind); otherwise
// migrate. op names the open in errors: "sqlite: open /var/lib/x.db".
func EnsureCurrent(op string, have, want int, autoMigrate bool, migrate func() error) error {
	switch {
	case have > want:
		return fmt.Errorf("%s: %w: database is at version %d, this binary knows up to %d", op, store.ErrSchemaTooNew, have, want)
	case have < want && !autoMigrate:
		return fmt.Errorf("%s: %w: database is at version %d, this binary needs %d; run deadbolt migrate", op, store.ErrSchemaBehind, have, want)
	case have < want:
		return migrate()
	}
	return nil
}

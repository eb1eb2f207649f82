//go:build !unix

package breakglass

import (
	"errors"
	"os"
)

// lockFile creates path exclusively as the lock, where flock is not
// available; a checker that died holding it leaves it for an operator to
// remove.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errors.Join(errors.New("break-glass file is locked (or a stale lock is left)"), err)
	}
	f.Close()
	return func() { os.Remove(path) }, nil
}

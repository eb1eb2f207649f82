//go:build !unix

package sqlite

import "errors"

// mapWALIndex: only the unix VFS's -shm layout is watched; elsewhere the
// feed reads the change counter on every poll.
func mapWALIndex(string) (*walIndex, error) {
	return nil, errors.New("watching the WAL index is implemented for unix only")
}

func unmap([]byte) error { return nil }

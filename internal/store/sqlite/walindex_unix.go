//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// mapWALIndex maps the header of the WAL index in shmPath read-only. The
// returned walIndex is nil only when the file could not be opened; on any
// later failure it is returned too, unmapped, so that Store.Close closes
// the file (see walIndex.file).
func mapWALIndex(shmPath string) (*walIndex, error) {
	f, err := os.Open(shmPath)
	if err != nil {
		return nil, fmt.Errorf("open the -shm file: %w", err)
	}
	w := &walIndex{file: f}
	fi, err := f.Stat()
	if err != nil {
		return w, fmt.Errorf("stat the -shm file: %w", err)
	}
	if fi.Size() < 2*walHeaderSize {
		return w, fmt.Errorf("the -shm file is %d bytes, too short for a WAL index", fi.Size())
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, 2*walHeaderSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return w, fmt.Errorf("map the -shm file: %w", err)
	}
	w.mem = mem
	if err := w.check(); err != nil {
		w.mem = nil
		return w, errors.Join(err, unmap(mem))
	}
	return w, nil
}

func unmap(mem []byte) error { return syscall.Munmap(mem) }

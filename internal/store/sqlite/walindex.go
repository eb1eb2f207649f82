package sqlite

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"
)

// walIndex is a read-only view of the WAL-index header at the start of a
// database's -shm file (https://sqlite.org/walformat.html). Every process
// that opens the file in WAL mode maps the same -shm, and every committing
// transaction rewrites the header — iChange grows by one, mxFrame moves,
// a WAL reset changes the salts, and the checksum covers it all — before
// its COMMIT returns. So "the header is what it was" means "nothing
// committed since", learnt from a few words of shared memory without SQL.
//
// modernc.org/sqlite is SQLite's C source translated to Go, with the
// standard unix VFS: the -shm file is the same file with the same layout
// (walindex_test.go checks it).
type walIndex struct {
	mu  sync.RWMutex // read-held while mem is read; Close takes it to unmap
	mem []byte       // the mapped header; nil once closed
	// file stays open until the store's connections are closed: closing
	// any descriptor of the -shm file would drop the POSIX locks this
	// process's SQLite connections hold on it.
	file *os.File
}

// walHeader is the first copy of the WalIndexHdr (48 bytes) as six words.
// It is compared whole and never interpreted, so its byte order does not
// matter.
type walHeader [6]uint64

const (
	walHeaderSize = 48
	// walIndexVersion is the iVersion SQLite writes (WALINDEX_MAX_VERSION);
	// another value is a layout this code does not know.
	walIndexVersion = 3007000
)

// header returns the current header; false when w is nil or closed.
func (w *walIndex) header() (walHeader, bool) {
	var h walHeader
	if w == nil {
		return h, false
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.mem == nil {
		return h, false
	}
	p := unsafe.Pointer(unsafe.SliceData(w.mem))
	for i := range h {
		h[i] = atomic.LoadUint64((*uint64)(unsafe.Add(p, 8*i)))
	}
	return h, true
}

// check reports whether the mapped memory looks like a WAL index this
// code knows: version 3007000, initialised, and its two header copies
// equal (the writer updates the second copy first, so they differ only for
// an instant).
func (w *walIndex) check() error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	var err error
	for range 100 {
		b := w.mem
		version := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		versionBE := uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24
		switch {
		case version != walIndexVersion && versionBE != walIndexVersion:
			return errors.New("the -shm file has an unknown WAL-index version")
		case b[12] != 1:
			err = errors.New("the WAL index is not initialised")
		case string(b[:walHeaderSize]) != string(b[walHeaderSize:2*walHeaderSize]):
			err = errors.New("the WAL-index header copies differ")
		default:
			return nil
		}
	}
	return err
}

// close unmaps the header and closes the -shm file; call it only once the
// store's connections are closed.
func (w *walIndex) close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	if w.mem != nil {
		errs = append(errs, unmap(w.mem))
		w.mem = nil
	}
	if w.file != nil {
		errs = append(errs, w.file.Close())
		w.file = nil
	}
	return errors.Join(errs...)
}

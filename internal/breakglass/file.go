package breakglass

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileVersion is the version of the file format Issue writes.
const FileVersion = 1

// File is a device's set of one-time offline codes for one account: what
// `deadbolt breakglass issue` writes and `deadbolt check
// --break-glass-file` reads. It holds the codes themselves, so it must be
// readable by the device's checker alone (mode 0600).
type File struct {
	Version     int        `json:"version"`
	Tenant      string     `json:"tenant"`
	Application string     `json:"application"` // the issuer
	Account     string     `json:"account"`
	Batch       string     `json:"batch"`
	Issued      time.Time  `json:"issued"`
	Codes       []FileCode `json:"codes"`
}

// FileCode is one code of a File, with what the device did with it.
type FileCode struct {
	Code     string    `json:"code"`
	Used     time.Time `json:"used,omitzero"`     // when the device used it
	Reported time.Time `json:"reported,omitzero"` // when the server took the report
}

// Errors of offline use.
var (
	// ErrNoCode: every code of the file is used.
	ErrNoCode = errors.New("no unused break-glass code left in the file")
	// ErrWrongAccount: the file is for another account or application.
	ErrWrongAccount = errors.New("the break-glass file is for another account or application")
)

// ReadFile reads a break-glass file.
func ReadFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("break-glass file %s: %w", path, err)
	}
	if f.Version != FileVersion {
		return File{}, fmt.Errorf("break-glass file %s: version %d, want %d", path, f.Version, FileVersion)
	}
	return f, nil
}

// WriteFile writes f to path atomically (a temporary file in the same
// directory, synced, then renamed over path), readable by its owner only.
func WriteFile(path string, f File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Update runs fn on the file at path under an exclusive lock (a sidecar
// file path+".lock", so that concurrent checkers on one device take turns)
// and writes the file back atomically when fn changed it.
func Update(path string, fn func(f *File) (changed bool, err error)) error {
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return fmt.Errorf("lock break-glass file: %w", err)
	}
	defer unlock()
	f, err := ReadFile(path)
	if err != nil {
		return err
	}
	changed, err := fn(&f)
	if err != nil || !changed {
		return err
	}
	return WriteFile(path, f)
}

// UseCode takes the first unused code of the file at path for account at
// application (the issuer), marks it used at now, and returns it: each
// code admits once. A file for another account is ErrWrongAccount; a file
// with every code used is ErrNoCode.
func UseCode(path, application, account string, now time.Time) (FileCode, int, error) {
	var used FileCode
	left := 0
	err := Update(path, func(f *File) (bool, error) {
		if f.Application != application || f.Account != account {
			return false, ErrWrongAccount
		}
		i := -1
		for j, c := range f.Codes {
			if c.Used.IsZero() {
				if i < 0 {
					i = j
				} else {
					left++
				}
			}
		}
		if i < 0 {
			return false, ErrNoCode
		}
		f.Codes[i].Used = now.UTC()
		used = f.Codes[i]
		return true, nil
	})
	return used, left, err
}

// Unreported lists the codes used but not reported yet.
func (f File) Unreported() []FileCode {
	var out []FileCode
	for _, c := range f.Codes {
		if !c.Used.IsZero() && c.Reported.IsZero() {
			out = append(out, c)
		}
	}
	return out
}

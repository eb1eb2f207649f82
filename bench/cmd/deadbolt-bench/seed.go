package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// dataset is one seeded data directory.
type dataset struct {
	Accounts   int           `json:"accounts"`
	Dir        string        `json:"-"`
	Issuer     string        `json:"issuer"`
	Secret     []byte        `json:"-"`
	Import     time.Duration `json:"-"`
	ImportSecs float64       `json:"import_seconds"`
	CSVBytes   int64         `json:"csv_bytes"`
	DBBytes    int64         `json:"db_bytes_after_import"`
}

// db is the DEADBOLT_DB value of the dataset.
func (d dataset) db() string { return "sqlite:" + filepath.Join(d.Dir, "deadbolt.db") }

// seed creates a fresh data directory under root with n enrolled accounts,
// through the deadbolt CLI as an operator would. With reuse, a directory
// seeded by an earlier run is taken as it is.
func seed(ctx context.Context, bin, root string, n int, reuse bool) (dataset, error) {
	d := dataset{Accounts: n, Dir: filepath.Join(root, fmt.Sprintf("data-%d", n)),
		Issuer: fmt.Sprintf("https://bench-%d.deadbolt.test", n)}
	saved := filepath.Join(d.Dir, "dataset.json")
	if b, err := os.ReadFile(saved); err == nil && reuse {
		err := json.Unmarshal(b, &d)
		return d, err
	}
	if err := os.RemoveAll(d.Dir); err != nil {
		return d, err
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return d, err
	}
	seeded, err := bench.Seed(ctx, bin, bench.ChildEnv("DEADBOLT_DB="+d.db()), d.Issuer, n, filepath.Join(d.Dir, "accounts.csv"))
	if err != nil {
		return d, err
	}
	d.Secret, d.CSVBytes, d.Import = seeded.Secret, seeded.CSVBytes, seeded.Import
	d.ImportSecs = d.Import.Seconds()
	if fi, err := os.Stat(filepath.Join(d.Dir, "deadbolt.db")); err == nil {
		d.DBBytes = fi.Size()
	}
	b, err := json.Marshal(savedDataset{d, d.Secret})
	if err != nil {
		return d, err
	}
	return d, os.WriteFile(saved, b, 0o600)
}

// savedDataset is a dataset as -reuse finds it again: with its key (a
// throwaway one, in a directory only this user can read).
type savedDataset struct {
	dataset
	Secret []byte `json:"secret"`
}

// UnmarshalJSON reads a savedDataset back into a dataset.
func (d *dataset) UnmarshalJSON(b []byte) error {
	type plain dataset // without this method
	var s struct {
		plain
		Secret []byte `json:"secret"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	dir := d.Dir
	*d = dataset(s.plain)
	d.Dir, d.Secret, d.Import = dir, s.Secret, time.Duration(s.ImportSecs*float64(time.Second))
	return nil
}

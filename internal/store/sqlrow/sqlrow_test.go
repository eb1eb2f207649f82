package sqlrow_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

var (
	errNoRows   = errors.New("no rows in result set")
	errDriver   = errors.New("driver: UNIQUE constraint failed")
	testDialect = &sqlrow.Dialect{
		Name:   "test",
		NoRows: errNoRows,
		Classify: func(err error) (error, string) {
			if errors.Is(err, errDriver) {
				return store.ErrConflict, "a thing like this already exists"
			}
			return store.ErrUnavailable, "unavailable"
		},
	}
)

func TestWrap(t *testing.T) {
	d := testDialect
	if d.Wrap("op", nil) != nil {
		t.Fatal("Wrap(nil) is not nil")
	}
	for _, tc := range []struct {
		name    string
		err     error
		kind    error
		message string
	}{
		{"no rows", errNoRows, store.ErrNotFound, ""},
		{"a kind already", store.ErrInvalid, store.ErrInvalid, ""},
		{"classified", errDriver, store.ErrConflict, "a thing like this already exists"},
		{"anything else", errors.New("i/o"), store.ErrUnavailable, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Wrap("create thing", tc.err)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Wrap = %v, want kind %v", err, tc.kind)
			}
			if tc.message != "" && store.Message(err) != tc.message {
				t.Errorf("Message = %q, want %q", store.Message(err), tc.message)
			}
			if again := d.Wrap("create thing", err); again.Error() != err.Error() {
				t.Errorf("wrapping twice for one operation changed %q into %q", err, again)
			}
		})
	}
}

func TestFoundAndApplied(t *testing.T) {
	d := testDialect
	if err := d.Found("update thing", 1, nil); err != nil {
		t.Errorf("Found(1 row) = %v", err)
	}
	if err := d.Found("update thing", 0, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Found(0 rows) = %v, want not found", err)
	}
	if err := d.Found("update thing", 0, errDriver); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Found(error) = %v, want the classified kind", err)
	}

	missing := func() error { return d.NotFound("use thing") }
	refused := func() error { return nil }
	for _, tc := range []struct {
		name    string
		n       int64
		err     error
		explain func() error
		ok      bool
		kind    error
	}{
		{"changed", 1, nil, missing, true, nil},
		{"refused", 0, nil, refused, false, nil},
		{"missing", 0, nil, missing, false, store.ErrNotFound},
		{"failed", 0, store.ErrUnavailable, refused, false, store.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := sqlrow.Applied(tc.n, tc.err, tc.explain)
			if ok != tc.ok || (tc.kind == nil) != (err == nil) || tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("Applied = %v, %v; want %v, %v", ok, err, tc.ok, tc.kind)
			}
		})
	}
}

func TestPrefixed(t *testing.T) {
	if got, want := sqlrow.Prefixed("g", "id, tenant_id,\n\t\tuntil"), "g.id, g.tenant_id, g.until"; got != want {
		t.Errorf("Prefixed = %q, want %q", got, want)
	}
}

func TestOldestFirst(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	msgs := []store.OutboxMessage{
		{ID: "c", CreatedAt: t0.Add(time.Second)},
		{ID: "b", CreatedAt: t0},
		{ID: "a", CreatedAt: t0},
	}
	boom := errors.New("boom")
	msgs, err := sqlrow.OldestFirst(msgs, boom)
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want the write's", err)
	}
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
}

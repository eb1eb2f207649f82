package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// benchAccounts is the size of BenchmarkCheckState's application.
const benchAccounts = 100_000

var bench struct {
	once sync.Once
	dir  string
	s    *sqlite.Store
	app  store.Application
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.s != nil {
		bench.s.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// benchStore returns a store, shared by the benchmarks, holding one
// application with benchAccounts accounts: every third has an owner and
// every tenth a current grant.
func benchStore(b *testing.B) (*sqlite.Store, store.Application) {
	b.Helper()
	bench.once.Do(func() {
		ctx := context.Background()
		if bench.dir, bench.err = os.MkdirTemp("", "deadbolt-bench-"); bench.err != nil {
			return
		}
		if bench.s, bench.err = sqlite.Open(ctx, filepath.Join(bench.dir, "bench.db"), sqlite.Options{AutoMigrate: true}); bench.err != nil {
			return
		}
		tn := store.Tenant{ID: "t", Name: "bench", CreatedAt: t0}
		bench.app = store.Application{
			ID: "app", TenantID: tn.ID, Name: "bench", Issuer: "https://bench.example.com",
			Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true,
			DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: t0,
		}
		bench.err = bench.s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateTenant(ctx, tn); err != nil {
				return err
			}
			if err := tx.CreateApplication(ctx, bench.app); err != nil {
				return err
			}
			for i := range 1000 {
				m := store.Member{ID: fmt.Sprintf("m%d", i), TenantID: tn.ID, Email: fmt.Sprintf("m%d@example.com", i), Role: store.RoleMember, CreatedAt: t0}
				if err := tx.CreateMember(ctx, m); err != nil {
					return err
				}
			}
			for i := range benchAccounts {
				a := store.Account{ID: fmt.Sprintf("a%d", i), TenantID: tn.ID, AppID: bench.app.ID, Name: benchName(i), CreatedAt: t0}
				if i%3 == 0 {
					a.OwnerID = fmt.Sprintf("m%d", i%1000)
				}
				if err := tx.CreateAccount(ctx, a); err != nil {
					return err
				}
				if i%10 == 0 {
					g := store.Grant{ID: fmt.Sprintf("g%d", i), TenantID: tn.ID, AccountID: a.ID, Until: t0.Add(time.Hour), GrantedBy: "bench", CreatedAt: t0}
					if err := tx.PutGrant(ctx, g); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	if bench.err != nil {
		b.Fatalf("bench store: %v", bench.err)
	}
	return bench.s, bench.app
}

func benchName(i int) string { return fmt.Sprintf("user%07d@example.com", i) }

// BenchmarkCheckState measures the lock check's read from many goroutines,
// with a background context and with a cancellable one like an HTTP
// request's (the driver then watches it during each query).
func BenchmarkCheckState(b *testing.B) {
	s, app := benchStore(b)
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{{"background", context.Background()}, {"cancellable", cancellable}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					cs, err := s.CheckState(bc.ctx, app.ID, benchName(r.IntN(benchAccounts)))
					if err != nil || !cs.Found {
						b.Errorf("CheckState: %+v, %v", cs, err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCreateAccount measures a bulk import: b.N accounts in one Update.
func BenchmarkCreateAccount(b *testing.B) {
	s := openAt(b, filepath.Join(b.TempDir(), "import.db"))
	ctx := context.Background()
	tn := store.Tenant{ID: "t", Name: "import", CreatedAt: t0}
	app := store.Application{
		ID: "app", TenantID: tn.ID, Name: "import", Issuer: "https://import.example.com",
		Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: t0,
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, tn); err != nil {
			return err
		}
		return tx.CreateApplication(ctx, app)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	err = s.Update(ctx, func(tx store.Tx) error {
		for i := range b.N {
			a := store.Account{ID: fmt.Sprintf("%016x", rand.Uint64()), TenantID: tn.ID, AppID: app.ID, Name: benchName(i), CreatedAt: t0}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

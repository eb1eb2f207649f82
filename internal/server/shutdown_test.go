package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// TestShutdownRecordsTokenUse serves a real node on a real SQLite file,
// uses an API token once, shuts the node down at once and checks, once
// Run has returned, that the use is in the database: the last-use flush
// (every 10 s otherwise) is awaited at shutdown.
func TestShutdownRecordsTokenUse(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	tn, err := (&admin.Service{Store: s, Clock: clock.Real{}, Box: box}).CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	tok, secret, err := (&apitoken.Service{Store: s, Clock: clock.Real{}}).Create(ctx, "test",
		apitoken.New{TenantID: tn.ID, Name: "ops", Role: "auditor"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Addr = ln.Addr().String()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() {
		ran <- Run(runCtx, Deps{Config: cfg, Store: s, Box: box, Log: slog.New(slog.DiscardHandler), Listener: ln}, nil)
	}()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("whoami: %d", res.StatusCode)
	}
	stop()
	if err := <-ran; err != nil {
		t.Fatalf("run: %v", err)
	}
	got, err := s.APIToken(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastUsedAt.IsZero() {
		t.Fatal("the token's use just before shutdown was not written")
	}
}

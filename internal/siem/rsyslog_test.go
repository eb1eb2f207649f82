package siem_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/siem/siemtest"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// deliverAll runs the streamer until it has delivered want messages,
// and fails if it delivered more.
func deliverAll(t *testing.T, d *notify.Streamer, want int) {
	t.Helper()
	got := 0
	siemtest.WaitFor(t, "the outbox to deliver", func() bool {
		n, err := d.RunOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got += n
		return got >= want
	})
	if got != want {
		t.Fatalf("delivered %d, want %d", got, want)
	}
}

func TestStreamToRsyslog(t *testing.T) {
	ctx := t.Context()
	s := newAuditLog(t)
	note := map[string]any{"note": `quote " and ] bracket`}
	s.audit(t, 5, note)

	rs := siemtest.StartRsyslog(t, siemtest.MemoryQueue)
	job := &siem.Job{Store: s.db, Clock: s.clk, Endpoints: []string{"ep"}, Batch: 2}
	deliver := s.streamer(&siem.Syslog{Address: rs.Addr(), Host: "node1", Egress: egress.Policy{AllowPrivate: true}}, 0)
	stream := func(want int) {
		t.Helper()
		if n, err := job.RunOnce(ctx); err != nil || n != want {
			t.Fatalf("job queued %d, %v; want %d", n, err, want)
		}
		// The cursor moved with the messages: nothing is queued twice.
		if n, err := job.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("second run queued %d, %v; want 0", n, err)
		}
		deliverAll(t, deliver, want)
	}
	stream(5)
	s.audit(t, 3, note)
	stream(3)

	got := rs.WaitLines(8)
	if len(got) != 8 {
		t.Fatalf("rsyslog wrote %d lines, want 8:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, l := range got {
		want := fmt.Sprintf(`account.unlocked [deadbolt@32473 tenant="%s" seq="%d" actor="cli:root" target="account:a%d"`,
			s.tenant.ID, i+1, []int{0, 1, 2, 3, 4, 0, 1, 2}[i])
		if !strings.HasPrefix(l, want) {
			t.Errorf("line %d:\n got %s\nwant %s…", i, l, want)
		}
	}
}

func TestSyslogEgress(t *testing.T) {
	rs := siemtest.StartRsyslog(t, siemtest.MemoryQueue)
	s := &siem.Syslog{Address: rs.Addr(), Egress: egress.Policy{}} // loopback not allowed
	err := s.Deliver(context.Background(), store.OutboxMessage{ID: "m", Payload: []byte(`{"tenant":"t","seq":1}`)})
	if !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("Deliver to loopback without AllowPrivate: %v, want egress refusal", err)
	}
}

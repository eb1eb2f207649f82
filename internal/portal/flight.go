package portal

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// flightLease is how long a tenantFlight's lease lasts unless renewed: a
// node that dies mid-work holds the tenant's work up at most that long.
const flightLease = time.Minute

// tenantFlight lets one piece of heavy work (the audit "Verify now", the
// exposure report) run per tenant at a time across every node sharing the
// database: begin takes the lease (store.Leaser) named job/tenant for this
// piece of work, renews it while the work runs, and end gives it up.
type tenantFlight struct {
	job    string
	leases store.Leaser
	clock  clock.Clock
}

// flight is one piece of work under its tenant's lease.
type flight struct {
	f       *tenantFlight
	name    string
	holder  string
	stop    context.CancelFunc
	renewed chan struct{}
}

// begin takes tenant's lease for one piece of work: ok false when another
// holds it. The work runs under ctx, which ends if the lease is lost (a
// renewal that fails or finds another holder); the caller calls end.
func (f *tenantFlight) begin(ctx context.Context, tenant string) (_ context.Context, _ *flight, ok bool, err error) {
	fl := &flight{f: f, name: f.job + "/" + tenant, holder: ids.New(), renewed: make(chan struct{})}
	if ok, err := f.leases.TryLease(ctx, fl.name, fl.holder, f.clock.Now(), flightLease); !ok || err != nil {
		return ctx, nil, false, err
	}
	ctx, fl.stop = context.WithCancel(ctx)
	go fl.renew(ctx)
	return ctx, fl, true, nil
}

// renew keeps the lease until ctx ends; losing it ends ctx.
func (fl *flight) renew(ctx context.Context) {
	defer close(fl.renewed)
	t := time.NewTicker(flightLease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ok, err := fl.f.leases.TryLease(ctx, fl.name, fl.holder, fl.f.clock.Now(), flightLease); !ok || err != nil {
				fl.stop()
				return
			}
		}
	}
}

// end stops the renewals and gives the lease up: it is renewed to end a
// lease's length in the past, so that the tenant's next piece of work, on
// any node whose clock lags this one's by less, need not wait for it.
func (fl *flight) end() {
	fl.stop()
	<-fl.renewed
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	fl.f.leases.TryLease(ctx, fl.name, fl.holder, fl.f.clock.Now().Add(-flightLease), time.Nanosecond) //nolint:errcheck // it runs out anyway
}

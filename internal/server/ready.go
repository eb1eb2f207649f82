package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/disk"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// checkLogRetry is how long a failed check-log commit keeps the node not
// ready when no later commit succeeds. A node out of a load balancer's
// rotation gets no checks to write, so after this long it says ready again
// and the next checks find out whether the log can be written now. Disk
// full and read-only are probed directly, through the disk monitor.
const checkLogRetry = 15 * time.Second

// readiness is what /readyz checks: a node is ready only when it can
// decide checks, which needs the store and a writable check log.
type readiness struct {
	store store.Pinger
	log   *checklog.Writer
	disk  *disk.Monitor // nil: not watched (PostgreSQL keeps no local data)
	now   func() time.Time
}

// problem returns why the node is not ready, as the error /readyz answers,
// or nil.
func (r readiness) problem(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := r.store.Ping(pctx); err != nil {
		// Whatever Ping says, a node whose store does not answer is out:
		// its class (store_unavailable, or key_unusable for a key
		// problem) and words come from httpx.ErrorOf, as the API's do.
		if !errors.Is(err, store.ErrUnavailable) {
			err = fmt.Errorf("readyz: ping: %w: %w", store.ErrUnavailable, err)
		}
		e := *httpx.ErrorOf(err)
		e.Status = http.StatusServiceUnavailable
		return &e
	}
	if err, at := r.log.LastError(); err != nil && r.now().Sub(at) < checkLogRetry {
		return &httpx.Error{Status: http.StatusServiceUnavailable, Code: "check_log_unwritable",
			Message:    "the check log cannot be written, so no check can be decided: " + err.Error(),
			RetryAfter: 5 * time.Second, Cause: err}
	}
	if r.disk != nil {
		if err := r.disk.Problem(); err != nil {
			return &httpx.Error{Status: http.StatusServiceUnavailable, Code: "disk_full",
				Message: err.Error(), RetryAfter: 30 * time.Second, Cause: err}
		}
	}
	return nil
}

package siem

import (
	"errors"
	"fmt"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// failFrom gives the failure's kind to the failed message alone: a
// permanent failure must not give up the messages not sent after it.
func TestFailFromKeepsUnsentRetryable(t *testing.T) {
	msgs := make([]store.OutboxMessage, 3)
	errs := make([]error, 3)
	failFrom(errs, msgs, 1, fmt.Errorf("%w: HTTP 400", notify.ErrPermanent))
	if errs[0] != nil || !errors.Is(errs[1], notify.ErrPermanent) {
		t.Fatalf("errs %v: want the one before untouched, the failed one permanent", errs)
	}
	if !errors.Is(errs[2], notify.ErrNotSent) || errors.Is(errs[2], notify.ErrPermanent) {
		t.Fatalf("the message after the failed one: %v; want not sent, not permanent", errs[2])
	}
}

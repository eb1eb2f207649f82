package iam

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
)

// ReconcileResult is the answer to a reconcile run.
type ReconcileResult struct {
	// Kind is "reconcile".
	Kind string `json:"kind"`
	// Principals is how many principals were visited.
	Principals int `json:"principals"`
	// Counts maps each Outcome.Action to how many principals had it.
	Counts map[string]int `json:"counts"`
	// Results has one entry per principal, in input order.
	Results []Outcome `json:"results"`
}

// Reconcile checks every configured (or protected) principal and brings it
// to its deadbolt state. Undecided checks are skipped; the error wraps
// ErrReconcile when any principal failed or was skipped.
func (h *Handler) Reconcile(ctx context.Context) (ReconcileResult, error) {
	res := ReconcileResult{Kind: "reconcile", Counts: map[string]int{}}
	var accounts []string
	if len(h.cfg.Principals) > 0 {
		accounts = h.cfg.Principals
	} else {
		ps, err := h.enf.Protected(ctx)
		if err != nil {
			h.log.ErrorContext(ctx, "reconcile: listing protected principals failed", "error", err.Error())
			return res, fmt.Errorf("%w: %w", ErrReconcile, err)
		}
		for _, p := range ps {
			accounts = append(accounts, p.Account())
		}
	}
	res.Principals = len(accounts)
	res.Results = make([]Outcome, len(accounts))
	sem := make(chan struct{}, h.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, account := range accounts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			res.Results[i] = h.reconcileOne(ctx, account)
		})
	}
	wg.Wait()
	bad := 0
	for _, o := range res.Results {
		res.Counts[o.Action]++
		if o.Action == "failed" || o.Action == "skipped" {
			bad++
		}
	}
	h.log.InfoContext(ctx, "reconcile finished", "principals", res.Principals, "counts", res.Counts)
	if bad > 0 {
		return res, fmt.Errorf("%w: %d of %d principals failed or were skipped", ErrReconcile, bad, len(accounts))
	}
	return res, nil
}

func (h *Handler) reconcileOne(ctx context.Context, account string) Outcome {
	out := Outcome{Kind: "reconcile", Account: account}
	log := h.log.With("kind", "reconcile", "account", account)
	p, err := iamstate.ParseAccount(account)
	if err != nil {
		log.ErrorContext(ctx, "reconcile: not an IAM principal name", "error", err.Error())
		out.Action, out.Reason = "failed", err.Error()
		return out
	}
	asOf := h.cfg.Now()
	d, err := h.check.Check(ctx, account, client.Context{
		IntegrationData: map[string]any{"mode": "reconcile", "principal": p.String()},
		Peek:            true, // reconciling must not use up once-unlocks or raise requests
	})
	if err != nil {
		out.Action, out.Reason = "failed", err.Error()
		if errors.Is(err, client.ErrUndecided) {
			out.Action = "skipped"
		}
		log.WarnContext(ctx, "reconcile: lock check failed; principal left as is", "error", err.Error())
		return out
	}
	out.Status = d.Status
	r, err := h.enf.Apply(ctx, p, d.Locked, asOf)
	switch {
	case errors.Is(err, iamstate.ErrUnknownPrincipal):
		log.WarnContext(ctx, "reconcile: no such IAM principal", "error", err.Error())
		out.Action, out.Reason = "failed", err.Error()
		return out
	case err != nil:
		log.ErrorContext(ctx, "reconcile: applying the lock state failed", "error", err.Error())
		out.Action, out.Reason = "failed", err.Error()
		return out
	}
	out.Action, out.Changes = action(r), r.Changes
	if len(r.Changes) > 0 {
		log.InfoContext(ctx, "reconcile: drift corrected", "locked", d.Locked, "changes", r.Changes)
	}
	return out
}

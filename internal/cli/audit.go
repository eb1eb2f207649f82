package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/server"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/trail"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify and export the tamper-evident audit trail",
		Long: `Every change deadbolt makes (locks, unlocks, keys, members, webhooks, portal
sign-ins, …) writes an audit record in the same transaction as the change.
Each tenant's records form a hash chain: record N holds the SHA-256 of record
N-1, so a changed, deleted or reordered record breaks the chain from there on.
The audit trail is kept for good; there is no command to prune it.`,
	}
	cmd.AddCommand(a.auditVerifyCmd(), a.auditExportCmd(), a.auditKeyCmd())
	return cmd
}

func (a *app) auditVerifyCmd() *cobra.Command {
	var tenant, file, checkpoints, key string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every tenant's audit chain and name the first bad record",
		Long: `Recompute each tenant's hash chain from its first record to its last and
report the first record that is wrong:
  hash mismatch  the record was changed after it was written
  gap            records before it were deleted
  reordered      its seq is not above the one before it
  broken link    it does not point at the record before it
  checkpoint signature  a signed checkpoint does not verify with the audit key
  checkpoint mismatch   the record a checkpoint signed has another hash now
                        (history rewritten and re-chained), or is gone (the
                        tail was cut off after the checkpoint)

Every signed checkpoint in the database is checked too, with the audit key
derived from the master key (or the one given with --key, as 'deadbolt audit
key' prints it). --checkpoints FILE adds the checkpoints a witness kept
outside the database (one JSON object a line, as a file witness writes
them): someone with write access to the database can rewrite history,
recompute every hash and delete the checkpoints stored beside it, but not
the witness's copy, nor sign a new one without the master key.

Exit status: 0 every chain holds, 1 a chain is broken (or bad usage), 2 the
database could not be read.

With --file it verifies an export made by 'deadbolt audit export --format
jsonl' instead, without the database. A filtered export has gaps on purpose:
each record is then checked against its own hash, and links between records
with consecutive seqs.

Without an outside copy of the checkpoints (a witness, see docs/audit.md),
verify cannot see a rewritten and re-chained history whose stored
checkpoints were deleted too.`,
		Example: `  deadbolt audit verify
  deadbolt audit verify --tenant acme --json
  deadbolt audit verify --checkpoints /var/lib/witness/checkpoints.jsonl
  deadbolt audit export --tenant acme > acme-audit.jsonl && deadbolt audit verify --file acme-audit.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file != "" {
				if tenant != "" {
					return usageErr("--file verifies an export on its own; leave out --tenant")
				}
				return a.verifyFile(cmd.Context(), file, checkpoints, key)
			}
			return a.verifyStore(cmd.Context(), tenant, checkpoints, key)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "verify only this tenant (default: every tenant)")
	cmd.Flags().StringVar(&file, "file", "", "verify a JSONL export instead of the database")
	cmd.Flags().StringVar(&checkpoints, "checkpoints", "", "also check the signed checkpoints in this file (a witness's copy)")
	cmd.Flags().StringVar(&key, "key", "", "the audit public key (base64), instead of deriving it from the master key")
	return cmd
}

// chainResult is one tenant's verified chain.
type chainResult struct {
	Tenant   string `json:"tenant"`
	Events   int64  `json:"events"`
	LastSeq  int64  `json:"last_seq"`
	LastHash string `json:"last_hash,omitempty"`
	Gaps     int    `json:"gaps,omitempty"`
	// Checkpoints counts the signed checkpoints that matched.
	Checkpoints int `json:"checkpoints"`
}

// checkpointSource is what verify checks checkpoints with: the audit key
// and the outside copies, by tenant ID.
type checkpointSource struct {
	key      *audit.PublicKey // nil: stored checkpoints are not checked (no key)
	external map[string][]audit.Checkpoint
}

// loadCheckpoints reads the --checkpoints file and finds the audit key:
// --key, or the one derived from the master key.
func (a *app) loadCheckpoints(ctx context.Context, file, keyFlag string) (checkpointSource, error) {
	var src checkpointSource
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return src, usageErr("--checkpoints: %v", err)
		}
		defer f.Close()
		cps, err := audit.ReadCheckpoints(f)
		if err != nil {
			return src, usageErr("--checkpoints %s: %v", file, err)
		}
		src.external = map[string][]audit.Checkpoint{}
		for _, c := range cps {
			src.external[c.TenantID] = append(src.external[c.TenantID], c)
		}
	}
	if keyFlag != "" {
		k, err := audit.ParsePublicKey(keyFlag)
		if err != nil {
			return src, usageErr("--key: %v", err)
		}
		src.key = &k
		return src, nil
	}
	box, err := a.existingBox(ctx)
	if err != nil {
		if file != "" {
			return src, fmt.Errorf("the audit key to check --checkpoints with: %w (or give it with --key)", err)
		}
		fmt.Fprintf(a.stderr, "warning: signed checkpoints not checked: %v (give the audit key with --key)\n", err)
		return src, nil
	}
	signer, err := server.AuditSigner(box)
	if err != nil {
		return src, err
	}
	k := signer.PublicKey()
	src.key = &k
	return src, nil
}

func (a *app) verifyStore(ctx context.Context, tenantRef, checkpointsFile, keyFlag string) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	tenants, err := a.auditTenants(ctx, s, tenantRef)
	if err != nil {
		return err
	}
	src, err := a.loadCheckpoints(ctx, checkpointsFile, keyFlag)
	if err != nil {
		return err
	}
	bar := a.counter("verifying")
	var results []chainResult
	start := time.Now()
	var total int64
	for _, t := range tenants {
		// The portal's "Verify now" runs this same trail.Verify.
		got, err := trail.Verify(ctx, s, trail.Parallel(), t.ID, src.key, src.external[t.ID], func(n int64) {
			if bar != nil {
				bar.Set64(total + n)
			}
		})
		if err != nil {
			finish(bar)
			return a.chainError(t.Name, err)
		}
		total += got.Events
		results = append(results, chainResult{Tenant: t.Name, Events: got.Events, LastSeq: got.LastSeq, LastHash: got.LastHash,
			Checkpoints: got.Checkpoints})
	}
	finish(bar)
	return a.printChains(results, total, time.Since(start))
}

func (a *app) verifyFile(ctx context.Context, path, checkpointsFile, keyFlag string) error {
	f, err := os.Open(path)
	if err != nil {
		return usageErr("%v", err)
	}
	defer f.Close()
	var src checkpointSource
	if checkpointsFile != "" {
		if src, err = a.loadCheckpoints(ctx, checkpointsFile, keyFlag); err != nil {
			return err
		}
	}
	witnesses := map[string]*audit.Witness{}
	chains := map[string]*audit.Chain{}
	var order []string
	results := map[string]*chainResult{}
	start := time.Now()
	var total int64
	err = audit.ReadJSONLSummed(f, runtime.GOMAXPROCS(0), func(r audit.Record, sum audit.Sum) error {
		c, ok := chains[r.TenantID]
		if !ok {
			c = &audit.Chain{Partial: true}
			chains[r.TenantID] = c
			results[r.TenantID] = &chainResult{Tenant: r.TenantID}
			order = append(order, r.TenantID)
			if src.key != nil {
				witnesses[r.TenantID] = audit.NewWitness(*src.key, src.external[r.TenantID])
			}
		}
		if err := c.AddSummed(r, sum); err != nil {
			return err
		}
		if w := witnesses[r.TenantID]; w != nil {
			if err := w.Record(r, true); err != nil {
				return err
			}
			results[r.TenantID].Checkpoints = w.Checked
		}
		res := results[r.TenantID]
		res.Events++
		res.LastSeq, res.LastHash, res.Gaps = r.Seq, r.Hash, c.Gaps
		total++
		return nil
	})
	var brk *audit.Break
	switch {
	case errors.As(err, &brk):
		return a.chainError(brk.Tenant, err)
	case err != nil:
		return usageErr("%s: %v", path, err)
	}
	var list []chainResult
	for _, id := range order {
		list = append(list, *results[id])
	}
	return a.printChains(list, total, time.Since(start))
}

func (a *app) printChains(results []chainResult, total int64, took time.Duration) error {
	var text strings.Builder
	for _, r := range results {
		fmt.Fprintf(&text, "%s: %d events, chain intact up to seq %d", r.Tenant, r.Events, r.LastSeq)
		if r.Checkpoints > 0 {
			fmt.Fprintf(&text, ", %d signed checkpoints match", r.Checkpoints)
		}
		if r.Gaps > 0 {
			fmt.Fprintf(&text, " (%d gaps: a filtered or partial export; records after a gap were checked against their own hash)", r.Gaps)
		}
		text.WriteString("\n")
	}
	rate := 0.0
	if took > 0 {
		rate = float64(total) / took.Seconds()
	}
	fmt.Fprintf(&text, "verified %d events in %s (%.0f events/s)\n", total, took.Round(time.Millisecond), rate)
	if results == nil {
		results = []chainResult{}
	}
	return a.print(map[string]any{"ok": true, "tenants": results, "events": total, "seconds": took.Seconds()}, "%s", text.String())
}

// chainError explains a broken chain (exit 1, error "chain_broken" with
// --json) or passes a read error on.
func (a *app) chainError(tenant string, err error) error {
	var brk *audit.Break
	if !errors.As(err, &brk) {
		return err
	}
	return &exitError{code: ExitUsage, err: brokenChain{tenant: tenant, brk: brk}}
}

// brokenChain names the tenant (by name, where the record has its id) and
// the first bad record.
type brokenChain struct {
	tenant string
	brk    *audit.Break
}

func (b brokenChain) Error() string {
	return fmt.Sprintf("audit chain of tenant %s is broken at seq %d: %s: %s", b.tenant, b.brk.Seq, b.brk.Fault, b.brk.Detail)
}

func (b brokenChain) Unwrap() error { return b.brk }

func (a *app) auditExportCmd() *cobra.Command {
	var tenant, format, output, since, until string
	var f audit.Filter
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write audit records as JSONL or CSV, streaming",
		Long: `Write a tenant's audit records, oldest first, as JSONL (one record a line,
with prev_hash and hash, so that 'deadbolt audit verify --file' can check the
export on its own) or CSV (the same columns, for spreadsheets). It streams:
memory stays the same however many records there are.

--since and --until take an RFC 3339 time, a date (2026-11-01), or an age
such as 30d or 12h. --action and --target match exactly, or by prefix when
they end in '*' (--action 'account.*').`,
		Example: `  deadbolt audit export --tenant acme > acme-audit.jsonl
  deadbolt audit export --tenant acme --format csv --since 30d --action 'account.*' --output last-month.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			now := time.Now().UTC()
			var err error
			if f.Since, err = parseWhen(since, now); err != nil {
				return usageErr("--since: %v", err)
			}
			if f.Until, err = parseWhen(until, now); err != nil {
				return usageErr("--until: %v", err)
			}
			s, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			tenants, err := a.auditTenants(ctx, s, tenant)
			if err != nil {
				return err
			}
			out, closeOut, err := a.output("--output", output)
			if err != nil {
				return err
			}
			defer closeOut()
			w, err := audit.NewWriter(out, audit.Format(format))
			if err != nil {
				return usageErr("--format: %v", err)
			}
			bar := a.counter("exporting")
			var read, written int64
			for _, t := range tenants {
				r, n, err := trail.Export(ctx, s, trail.Parallel(), t.ID, f, w, func(n int64) {
					if bar != nil {
						bar.Set64(read + n)
					}
				})
				read, written = read+r, written+n
				if err != nil {
					finish(bar)
					return err
				}
			}
			finish(bar)
			if err := w.Flush(); err != nil {
				return err
			}
			return a.exported(output, "audit", written, read)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&tenant, "tenant", "", "export only this tenant (default: every tenant)")
	fl.StringVar(&format, "format", "jsonl", "jsonl or csv")
	fl.StringVar(&output, "output", "", "write to this new file instead of stdout")
	fl.StringVar(&since, "since", "", "only records at or after this time (RFC 3339, a date, or an age like 30d)")
	fl.StringVar(&until, "until", "", "only records before this time")
	fl.StringVar(&f.Action, "action", "", "only this action, e.g. account.unlocked or 'account.*'")
	fl.StringVar(&f.Actor, "actor", "", "only this actor, e.g. member:<id> or cli:root")
	fl.StringVar(&f.Target, "target", "", "only this target, e.g. account:<id> or 'account:*'")
	return cmd
}

func (a *app) auditKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "key",
		Short: "Print the public key that audit checkpoints are signed with",
		Long: `Print the Ed25519 public key of this deployment's audit checkpoints, in
base64, and its key ID. It is derived from the master key, so every node
signs with the same key, and it is served at /.well-known/deadbolt-audit-key.
Give it to whoever keeps a witness's copy of the checkpoints: with it, and
'deadbolt audit verify --key KEY --checkpoints FILE', they can check the
audit trail without the master key.`,
		Example: `  deadbolt audit key
  deadbolt audit key --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			box, err := a.box(cmd.Context(), nil)
			if err != nil {
				return err
			}
			signer, err := server.AuditSigner(box)
			if err != nil {
				return err
			}
			doc := server.AuditKeyDocument(signer.PublicKey())
			return a.print(doc, "%s\nkey id %s (Ed25519)\n", doc["public_key"], doc["key_id"])
		},
	}
}

// auditTenants returns the named tenant, or every tenant.
func (a *app) auditTenants(ctx context.Context, s store.ConfigReader, ref string) ([]store.Tenant, error) {
	if ref != "" {
		t, err := s.TenantByName(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			return nil, usageErr("no tenant named %q", ref)
		}
		return []store.Tenant{t}, err
	}
	return s.Tenants(ctx)
}

// parseWhen reads an RFC 3339 time, a date, or an age before now ("30d",
// "12h"); "" is the zero time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time, a date (2006-01-02) or an age such as 30d or 12h", s)
}

// counter is a progress display for work of unknown size, on a terminal
// only (nil elsewhere).
func (a *app) counter(what string) *progressbar.ProgressBar {
	if a.jsonOut || !isTerminal(a.stderr) {
		return nil
	}
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(a.stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
}

func finish(bar *progressbar.ProgressBar) {
	if bar != nil {
		bar.Finish()
	}
}

package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func deliveryJSON(d notify.Delivery) map[string]any {
	m := map[string]any{"id": d.ID, "channel": d.Channel, "to": d.To, "type": d.Type, "state": d.State(),
		"attempts": d.Attempts, "created_at": d.CreatedAt.Format(time.RFC3339)}
	if d.LastError != "" {
		m["last_error"] = d.LastError
	}
	switch d.State() {
	case store.OutboxDelivered:
		m["delivered_at"] = d.DeliveredAt.Format(time.RFC3339)
	case store.OutboxFailed:
		m["failed_at"] = d.FailedAt.Format(time.RFC3339)
	default:
		m["next_attempt_at"] = d.NextAttemptAt.Format(time.RFC3339)
	}
	return m
}

func (a *app) deliveryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "delivery",
		Aliases: []string{"deliveries", "notify"},
		Short:   "Show the outbox: webhook events, email and push notices, and their delivery state",
		Long: `Every webhook event and every email or Web Push notice of a new unlock
request is written to the outbox in the same transaction as what it announces,
then delivered by the server's outbox job: failures are retried with backoff
(5 s doubling to 1 h) and given up after 20 attempts. This lists what was sent,
what waits (with the last error), and what was given up.`,
	}
	var tenant string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's latest deliveries on every channel, newest first",
		Example: `  deadbolt delivery list --tenant acme
  deadbolt delivery list --tenant acme --limit 500 --json | jq '.deliveries[] | select(.state == "failed")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if limit < 1 {
				return usageErr("--limit must be at least 1, got %d", limit)
			}
			_, t, err := a.adminOfTenant(ctx, tenant, false)
			if err != nil {
				return err
			}
			ds, err := notify.Deliveries(ctx, a.store, t.ID, limit)
			if err != nil {
				return err
			}
			out := []map[string]any{}
			var text strings.Builder
			tw := tabwriter.NewWriter(&text, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CREATED\tCHANNEL\tTO\tTYPE\tSTATE\tATTEMPTS\tLAST ERROR")
			for _, d := range ds {
				out = append(out, deliveryJSON(d))
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.CreatedAt.Format(time.RFC3339), d.Channel, d.To, d.Type,
					d.State(), d.Attempts, d.LastError)
			}
			tw.Flush()
			if len(ds) == 0 {
				text.Reset()
				text.WriteString("nothing sent yet\n")
			}
			return a.print(map[string]any{"deliveries": out}, "%s", text.String())
		},
	}
	list.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	list.Flags().IntVar(&limit, "limit", 50, "how many of the latest deliveries to show")
	must(list, "tenant")
	cmd.AddCommand(list)
	return cmd
}

package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func webhookJSON(w store.Webhook) map[string]any {
	events := w.Events
	if events == nil {
		events = []string{}
	}
	return map[string]any{"id": w.ID, "tenant_id": w.TenantID, "url": w.URL, "events": events,
		"created_at": w.CreatedAt.Format(time.RFC3339)}
}

func (a *app) webhookCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Manage webhooks that receive signed account events",
		Long: `Webhooks receive account.locked and account.unlocked events as soon as they
happen — including unlocks that end by themselves — so that receivers such as
the AWS IAM integration apply a lock at once, not at the next sign-in.

Each delivery is a POST of the event's JSON with the headers
Deadbolt-Signature (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under
the webhook's secret>), Deadbolt-Event-Id and Deadbolt-Event-Type. Events are
written in the same transaction as the change and retried with backoff
(5 s doubling to 1 h, 20 attempts) until the receiver answers 2xx; receivers
deduplicate on the event ID. 'deadbolt delivery list' shows every delivery.

Owners and admins can add and delete webhooks on the portal's Webhooks page
too; both record the same audit events.

A webhook's host must be public: a URL whose host is, or resolves to, a
loopback, private, link-local, shared (CGNAT) or cloud metadata address is
refused, here and when serve dials it. For receivers on your own network set
webhooks.allow_private in the config file, or DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true,
for this command and for serve (serve --allow-private-webhooks); metadata
addresses stay refused. A failed delivery records only its class (refused by
policy, timeout, connection refused, TLS failure, status 503, ...), never the
receiver's answer.`,
	}
	var tenant, rawURL, events string
	create := &cobra.Command{
		Use:   "create",
		Short: "Add a webhook (its signing secret is shown once)",
		Example: `  deadbolt webhook create --tenant acme --url https://abcd.lambda-url.eu-west-1.on.aws/
  deadbolt webhook create --tenant acme --url https://siem.acme.test/deadbolt --events account.locked --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			adm, t, err := a.adminOfTenant(ctx, tenant, true)
			if err != nil {
				return err
			}
			w, secret, err := adm.CreateWebhook(ctx, actor(), admin.NewWebhook{TenantID: t.ID, URL: rawURL,
				Events: strings.Split(events, ",")})
			if err != nil {
				return err
			}
			out := webhookJSON(w)
			out["secret"] = secret
			return a.print(out, "webhook %s created for %s\nsecret (shown once; give it to the receiver): %s\n", w.ID, w.URL, secret)
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	create.Flags().StringVar(&rawURL, "url", "", "where to POST events (required)")
	create.Flags().StringVar(&events, "events", "", "comma-separated event types (default: all)")
	must(create, "tenant", "url")

	list := a.tenantListCmd("List webhooks with their recent deliveries", func(ctx context.Context, _ *admin.Service, t store.Tenant) error {
		hooks, err := a.store.Webhooks(ctx, t.ID)
		if err != nil {
			return err
		}
		out, text := []map[string]any{}, ""
		for _, h := range hooks {
			msgs, err := a.store.OutboxMessages(ctx, h.ID, 100)
			if err != nil {
				return err
			}
			var delivered, pending, failed int
			lastErr := ""
			for _, m := range msgs {
				switch {
				case !m.DeliveredAt.IsZero():
					delivered++
				case !m.FailedAt.IsZero():
					failed++
				default:
					pending++
				}
				if lastErr == "" && m.LastError != "" && m.DeliveredAt.IsZero() {
					lastErr = m.LastError
				}
			}
			j := webhookJSON(h)
			j["recent"] = map[string]any{"delivered": delivered, "pending": pending, "failed": failed, "last_error": lastErr}
			out = append(out, j)
			text += fmt.Sprintf("%s\t%s\tlast %d: %d delivered, %d pending, %d failed", h.ID, h.URL, len(msgs), delivered, pending, failed)
			if lastErr != "" {
				text += "\tlast error: " + lastErr
			}
			text += "\n"
		}
		return a.print(map[string]any{"webhooks": out}, "%s", text)
	})

	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Remove a webhook and its undelivered events",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			adm, err := a.admin(ctx, false)
			if err != nil {
				return err
			}
			if _, err := adm.DeleteWebhook(ctx, actor(), "", args[0]); err != nil {
				return err
			}
			return a.print(map[string]any{"id": args[0], "deleted": true}, "webhook %s deleted\n", args[0])
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
}

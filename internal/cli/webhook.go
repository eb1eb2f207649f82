package cli

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
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
deduplicate on the event ID.`,
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
			u, err := url.Parse(rawURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return usageErr("--url must be an absolute http(s) URL, got %q", rawURL)
			}
			var evs []string
			for _, e := range strings.Split(events, ",") {
				switch e = strings.TrimSpace(e); e {
				case "":
				case webhook.TypeAccountLocked, webhook.TypeAccountUnlocked:
					evs = append(evs, e)
				default:
					return usageErr("--events: unknown event %q (want %s or %s)", e, webhook.TypeAccountLocked, webhook.TypeAccountUnlocked)
				}
			}
			adm, err := a.admin(ctx, true)
			if err != nil {
				return err
			}
			t, err := adm.Tenant(ctx, tenant)
			if err != nil {
				return err
			}
			secret := webhook.NewSecret()
			w := store.Webhook{ID: admin.NewID(), TenantID: t.ID, URL: u.String(), Events: evs, CreatedAt: time.Now().UTC()}
			if w.SealedSecret, err = adm.Box.Seal([]byte(secret), w.ID); err != nil {
				return err
			}
			err = a.store.Update(ctx, func(tx store.Tx) error {
				if err := tx.CreateWebhook(ctx, w); err != nil {
					return err
				}
				return admin.AppendAudit(ctx, tx, t.ID, actor(), "webhook.created", "webhook:"+w.ID,
					map[string]any{"url": w.URL, "events": evs}, w.CreatedAt)
			})
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

	var listTenant string
	list := &cobra.Command{
		Use:   "list",
		Short: "List webhooks with their recent deliveries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			adm, err := a.admin(ctx, false)
			if err != nil {
				return err
			}
			t, err := adm.Tenant(ctx, listTenant)
			if err != nil {
				return err
			}
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
		},
	}
	list.Flags().StringVar(&listTenant, "tenant", "", "tenant name or id (required)")
	must(list, "tenant")

	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Remove a webhook and its undelivered events",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			err = s.Update(ctx, func(tx store.Tx) error {
				h, err := tx.Webhook(ctx, args[0])
				if err != nil {
					return fmt.Errorf("webhook %q: %w", args[0], err)
				}
				if err := tx.DeleteWebhook(ctx, h.ID); err != nil {
					return err
				}
				return admin.AppendAudit(ctx, tx, h.TenantID, actor(), "webhook.deleted", "webhook:"+h.ID,
					map[string]any{"url": h.URL}, time.Now().UTC())
			})
			if err != nil {
				return err
			}
			return a.print(map[string]any{"id": args[0], "deleted": true}, "webhook %s deleted\n", args[0])
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
}

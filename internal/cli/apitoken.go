package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func apiTokenJSON(t store.APIToken) map[string]any {
	opt := func(at time.Time) any {
		if at.IsZero() {
			return nil
		}
		return at.Format(time.RFC3339)
	}
	scopes := t.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return map[string]any{"id": t.ID, "tenant_id": t.TenantID, "name": t.Name, "role": t.Role, "scopes": scopes,
		"created_by": t.CreatedBy, "created_at": t.CreatedAt.Format(time.RFC3339), "expires_at": opt(t.ExpiresAt),
		"revoked_at": opt(t.RevokedAt), "last_used_at": opt(t.LastUsedAt)}
}

func (a *app) apiTokens(ctx context.Context, tenantRef string) (*apitoken.Service, store.Tenant, error) {
	_, t, err := a.adminOfTenant(ctx, tenantRef, false)
	if err != nil {
		return nil, t, err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, t, err
	}
	return &apitoken.Service{Store: s, Clock: clock.Real{}}, t, nil
}

func (a *app) apiTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api-token",
		Short: "Manage the tokens that authenticate the management API (/api/v1)",
		Long: `API tokens let scripts, Terraform or an HR system use deadbolt's management
API (/api/v1, docs/api.md) and NL3's importUsers over HTTP. A token belongs
to one tenant and sees and changes that tenant's records only.

A token has a role or a list of scopes (or both: the role's scopes plus
those listed):
  admin     every scope
  approver  applications:read accounts:read members:read groups:read policies:read
  auditor   every :read scope, the audit trail (audit:read) and check log (checks:read) included
Scopes: ` + strings.Join(apitoken.Scopes, " ") + `

The token is printed once, when it is made; deadbolt keeps only its SHA-256.
Send it as "Authorization: Bearer TOKEN" (or in x-nl3-api-token or
x-nl3-server-api-token, as Next Level3 integrations do). Revoke a token that
leaked: it stops working at once, on every node.`,
	}

	var tenant, name, role string
	var scopes []string
	var expiresIn time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Make a token (it is shown once)",
		Example: `  deadbolt api-token create --tenant acme --role admin --name terraform
  deadbolt api-token create --tenant acme --scope accounts:read --scope accounts:write --expires-in 720h --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, t, err := a.apiTokens(ctx, tenant)
			if err != nil {
				return err
			}
			tok, secret, err := svc.Create(ctx, actor(), apitoken.New{TenantID: t.ID, Name: name, Role: role,
				Scopes: scopes, ExpiresIn: expiresIn})
			if err != nil {
				return err
			}
			out := apiTokenJSON(tok)
			out["token"] = secret
			out["scopes"] = apitoken.ScopesOf(tok)
			return a.print(out, "api token %s created for tenant %s\ntoken (shown once; keep it secret): %s\n", tok.ID, t.Name, secret)
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for, e.g. terraform")
	create.Flags().StringVar(&role, "role", "", "admin, approver or auditor")
	create.Flags().StringArrayVar(&scopes, "scope", nil, "a scope to grant, e.g. accounts:write (repeat for more)")
	durationFlag(create.Flags(), &expiresIn, "expires-in", 0, "the token stops working after this long, e.g. 720h (default: never)")
	must(create, "tenant")

	var listTenant string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List a tenant's tokens (never their secrets)",
		Example: `  deadbolt api-token list --tenant acme --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, t, err := a.apiTokens(ctx, listTenant)
			if err != nil {
				return err
			}
			toks, err := svc.List(ctx, t.ID)
			if err != nil {
				return err
			}
			now := time.Now()
			return printList(a, "api_tokens", toks, apiTokenJSON, func(t store.APIToken) string {
				state := t.State(now)
				used := "never used"
				if !t.LastUsedAt.IsZero() {
					used = "last used " + t.LastUsedAt.Format(time.RFC3339)
				}
				what := t.Role
				if len(t.Scopes) > 0 {
					what = strings.TrimSpace(what + " " + strings.Join(t.Scopes, " "))
				}
				return fmt.Sprintf("%s  %-8s %-20s %s  %s", t.ID, state, t.Name, what, used)
			})
		},
	}
	list.Flags().StringVar(&listTenant, "tenant", "", "tenant name or id (required)")
	must(list, "tenant")

	var revokeTenant string
	revoke := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a token at once",
		Example: `  deadbolt api-token revoke --tenant acme 01J9Z8Q4V6W3T5X7Y9A1B3C5D7`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, t, err := a.apiTokens(ctx, revokeTenant)
			if err != nil {
				return err
			}
			tok, err := svc.Revoke(ctx, actor(), t.ID, args[0])
			if err != nil {
				return err
			}
			return a.print(apiTokenJSON(tok), "api token %s revoked\n", tok.ID)
		},
	}
	revoke.Flags().StringVar(&revokeTenant, "tenant", "", "tenant name or id (required)")
	must(revoke, "tenant")

	cmd.AddCommand(create, list, revoke)
	return cmd
}

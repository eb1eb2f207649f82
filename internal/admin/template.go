package admin

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// NewTemplate is a template of approval requests for any operation, as an
// admin writes it: approvers by email and groups by name.
type NewTemplate struct {
	Key            string // PURCHASE_APPROVAL: capitals, digits and _
	Title          string
	Text           string // with ${key} placeholders filled from a request's metaData
	Approvers      []string
	ApproverGroups []string
	Mode           string // store.ModeApprove (default) or store.ModeSignAndApprove
	// Approvals is how many approvals decide a request (default 1);
	// DenyOn is store.DenyFirst (default) or store.DenyQuorum; Expiry is
	// how long a request stays open (default store.DefaultOperationExpiry).
	Approvals int
	DenyOn    string
	Expiry    time.Duration
}

// MaxTemplateExpiry is the longest a request made from a template stays
// open.
const MaxTemplateExpiry = 30 * 24 * time.Hour

var (
	templateKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	// placeholder is one ${key} of a template's text.
	placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.-]{0,63})\}`)
)

// Template limits, in bytes.
const (
	MaxTemplateTitle = 200
	MaxTemplateText  = 4000
)

// CreateTemplate stores a template in the tenant. Every approver must be a
// member of the tenant and every group one of its groups.
func (s *Service) CreateTemplate(ctx context.Context, actor, tenantID string, nt NewTemplate) (store.Template, error) {
	if nt.Mode == "" {
		nt.Mode = store.ModeApprove
	}
	if nt.Approvals == 0 {
		nt.Approvals = 1
	}
	if nt.DenyOn == "" {
		nt.DenyOn = store.DenyFirst
	}
	switch {
	case nt.Approvals < 1 || nt.Approvals > 100:
		return store.Template{}, invalid("template approvals %d: use 1 to 100", nt.Approvals)
	case nt.DenyOn != store.DenyFirst && nt.DenyOn != store.DenyQuorum:
		return store.Template{}, invalid("template deny-on %q: use %s or %s", nt.DenyOn, store.DenyFirst, store.DenyQuorum)
	case nt.Expiry < 0 || nt.Expiry > MaxTemplateExpiry:
		return store.Template{}, invalid("template expiry %s: use 0 (the default, %s) up to %s", nt.Expiry, store.DefaultOperationExpiry, MaxTemplateExpiry)
	case !templateKey.MatchString(nt.Key):
		return store.Template{}, invalid("template key %q: use 1 to 64 capitals, digits and _, starting with a capital (PURCHASE_APPROVAL)", nt.Key)
	case strings.TrimSpace(nt.Title) == "" || len(nt.Title) > MaxTemplateTitle:
		return store.Template{}, invalid("template title must be 1 to %d bytes", MaxTemplateTitle)
	case len(nt.Text) > MaxTemplateText:
		return store.Template{}, invalid("template text is longer than %d bytes", MaxTemplateText)
	case nt.Mode != store.ModeApprove && nt.Mode != store.ModeSignAndApprove:
		return store.Template{}, invalid("template mode %q: use %s or %s", nt.Mode, store.ModeApprove, store.ModeSignAndApprove)
	case strings.Count(nt.Text, "${") != len(placeholder.FindAllString(nt.Text, -1)):
		return store.Template{}, invalid("template text has a ${ that is not a placeholder ${key}")
	}
	now := s.Clock.Now()
	t := store.Template{ID: ids.New(), TenantID: tenantID, Key: nt.Key, Title: nt.Title, Text: nt.Text,
		Approvers: []string{}, ApproverGroups: []string{}, Mode: nt.Mode, Approvals: nt.Approvals, DenyOn: nt.DenyOn,
		Expiry: nt.Expiry, CreatedAt: now}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		for _, email := range nt.Approvers {
			m, err := tx.MemberByEmail(ctx, tenantID, strings.TrimSpace(email))
			if err != nil {
				return fmt.Errorf("approver %q: %w", email, err)
			}
			if err := Bindable(m); err != nil {
				return fmt.Errorf("approver %q: %w", email, err)
			}
			t.Approvers = append(t.Approvers, m.ID)
		}
		for _, ref := range nt.ApproverGroups {
			g, err := groupTx(ctx, tx, tenantID, ref)
			if err != nil {
				return err
			}
			t.ApproverGroups = append(t.ApproverGroups, g.ID)
		}
		if err := tx.CreateTemplate(ctx, t); err != nil {
			return fmt.Errorf("template %s: %w", t.Key, err)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "template.created", "template:"+t.ID, map[string]any{
			"key": t.Key, "title": t.Title, "mode": t.Mode, "approvers": nt.Approvers, "approver_groups": nt.ApproverGroups,
			"approvals": t.Approvals, "deny_on": t.DenyOn, "expiry": t.Expiry.String(),
		}, now)
	})
	return t, err
}

// Templates lists the tenant's templates by key.
func (s *Service) Templates(ctx context.Context, tenantID string) ([]store.Template, error) {
	return s.Store.Templates(ctx, tenantID)
}

// DeleteTemplate removes the tenant's template key.
func (s *Service) DeleteTemplate(ctx context.Context, actor, tenantID, key string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		t, err := tx.Template(ctx, tenantID, key)
		if err != nil {
			return fmt.Errorf("template %s: %w", key, err)
		}
		if err := tx.DeleteTemplate(ctx, tenantID, key); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "template.deleted", "template:"+t.ID, map[string]any{"key": key}, s.Clock.Now())
	})
}

// RenderTemplate fills the ${key} placeholders of text from meta; a
// placeholder meta does not name stays as written, so that a request
// shows what it lacks rather than hiding it.
func RenderTemplate(text string, meta map[string]string) string {
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		if v, ok := meta[p[2:len(p)-1]]; ok {
			return v
		}
		return p
	})
}

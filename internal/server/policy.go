package server

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// loadPolicies builds a tenant's compiled policies for the check cache:
// its policies, groups and assignments as stored, and the alert
// executions in force now or later. geo is serve --geoip-db's database;
// nil means none, and country rules decide by their on_unknown.
func loadPolicies(clk clock.Clock, geo policy.Geo) cache.PolicyLoader {
	return func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
		return admin.PolicySets{Store: r, Clock: clk, Geo: geo}.PolicySet(ctx, tenantID)
	}
}

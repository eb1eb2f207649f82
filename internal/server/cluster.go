package server

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
)

// checkCache returns the cache the lock check reads through, kept true by
// d.Feed until stop is called. Both backends have a feed: PostgreSQL's
// LISTEN/NOTIFY with node leases, and SQLite's watch of its WAL index,
// which the cache polls before every answer. Without a feed the cache is
// never subscribed and reads through to d.Store.
func checkCache(d Deps) (c *cache.Cache, stop func()) {
	c = cache.New(d.Store, cache.Options{Box: d.Box, Log: d.Log, Policies: loadPolicies(d.Clock, d.Geo)})
	if d.Feed == nil {
		return c, func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, d.Feed)
	}()
	return c, func() { cancel(); <-done }
}

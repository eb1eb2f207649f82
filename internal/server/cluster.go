package server

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// checkStore returns the store the lock check reads through. With a change
// feed (PostgreSQL, where other nodes and the CLI write the same database)
// that is a cache of the check's reads, kept true by the feed until stop is
// called; without one (SQLite, which the CLI writes from another process
// and nothing announces) it is d.Store itself, and c is nil.
func checkStore(d Deps) (s store.Store, c *cache.Cache, stop func()) {
	if d.Feed == nil {
		return d.Store, nil, func() {}
	}
	c = cache.New(d.Store, cache.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, d.Feed)
	}()
	return c, c, func() { cancel(); <-done }
}

// cacheStatus is what /readyz says about the check cache.
func cacheStatus(c *cache.Cache) any {
	if c == nil {
		return "off"
	}
	return c.Stats()
}

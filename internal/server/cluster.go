package server

import (
	"context"
	"log/slog"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
)

// checkCache returns the cache the lock check reads through, kept true by
// d.Feed until stop is called. Both backends have a feed: PostgreSQL's
// LISTEN/NOTIFY, and SQLite's watch of its WAL index, which is also
// d.Poller. Without a feed (a store that has none) the cache is never
// subscribed and reads through to d.Store.
func checkCache(d Deps) (c *cache.Cache, stop func()) {
	c = cache.New(d.Store, cache.Options{Box: d.Box, Poller: d.Poller})
	if d.Feed == nil {
		return c, func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := d.Feed.Follow(ctx, subscribedLog{c, d.Log, d.Poller})
		c.Lost(err)
	}()
	return c, func() { cancel(); <-done }
}

// subscribedLog is the cache as a feed's handler, saying in the log when
// the cache goes live and how it learns of other processes' changes.
type subscribedLog struct {
	*cache.Cache
	log    *slog.Logger
	poller cache.Poller
}

func (h subscribedLog) Subscribed() {
	h.Cache.Subscribed()
	if h.log == nil {
		return
	}
	if h.poller != nil {
		h.log.Info("check cache subscribed", "watch", h.poller.Watching())
		return
	}
	h.log.Info("check cache subscribed")
}

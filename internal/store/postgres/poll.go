package postgres

import "context"

// Poll implements cache.Feed: PostgreSQL announces every change by itself
// (Follow's LISTEN), so there is nothing to look for.
func (s *Store) Poll(context.Context) error { return nil }

// Watching implements cache.Feed.
func (s *Store) Watching() string { return "listen" }

package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// cpuOf sums the CPU time of pids (those that are gone count 0).
func cpuOf(pids []int) time.Duration {
	var sum time.Duration
	for _, p := range pids {
		if d, err := bench.CPUTime(p); err == nil {
			sum += d
		}
	}
	return sum
}

// backends lists the PostgreSQL server processes serving connections whose
// application_name is name, on the database the URL names.
func backends(ctx context.Context, dbURL, name string) ([]int, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

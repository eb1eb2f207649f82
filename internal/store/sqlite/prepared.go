package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// preparedPool runs the plain (not table-driven) queries of the read pool
// through statements prepared once per query text, so SQLite does not parse
// the SQL again on every call: for a query on the lock check's path (the
// owner's passkeys when an unlock request is raised) parsing cost more than
// the lookup itself.
type preparedPool struct {
	db    *sql.DB
	stmts sync.Map // query text → *sql.Stmt
}

// QueryContext implements queryer. Cancellation is dropped, as for the
// other reads of the pool (see reads.queryContext).
func (p *preparedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt).QueryContext(ctx, args...)
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st.QueryContext(ctx, args...)
}

// close closes every prepared statement.
func (p *preparedPool) close() {
	p.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		p.stmts.Delete(k)
		return true
	})
}

package sqlrow

// Reads implements the parts of store.Reader whose SQL is the same on both
// databases, over Q, a backend's read pool or its transaction. A backend's
// reads embed it, so these methods are written once.
type Reads struct {
	D *Dialect
	Q Querier
}

// Writes implements the parts of store.Tx whose SQL is the same on both
// databases, over DB, a backend's transaction. A backend's txn embeds it.
type Writes struct {
	D  *Dialect
	DB DB
}

package sqlite

// Times are stored with valid.Nanos and read with valid.FromNanos, which
// postgres shares; the helpers below are SQLite's own encodings.

// nullable stores "" as NULL, for optional references.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// blob stores a nil slice as an empty BLOB rather than NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

package sqlrow

// Blob keeps a NOT NULL blob column from a nil slice, which both drivers
// bind as NULL.
func Blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Nullable stores "" as NULL, for an optional reference.
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

package postgres

// Times are stored with valid.Nanos and read with valid.FromNanos, which
// sqlite shares; the helpers below are PostgreSQL's own encodings.

// array stores a nil list as an empty array rather than NULL.
func array(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// channelValue stores a member's channels: nil (never chose) as NULL, an
// empty list as '{}'.
func channelValue(cs []string) any {
	if cs == nil {
		return nil
	}
	return array(cs)
}

// nullable stores "" as NULL, for optional references.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// blob stores a nil slice as an empty BYTEA rather than NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

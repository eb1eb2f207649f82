package csvsafe

// Cell returns s, prefixed with a single quote when it starts with a
// character a spreadsheet takes as the start of a formula or a cell
// break: '=', '+', '-', '@', tab or carriage return.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Row returns fields with every cell passed through Cell; fields itself
// is not changed.
func Row(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = Cell(f)
	}
	return out
}

package sqlite

import (
	"fmt"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// Times are stored with valid.Nanos and read with valid.FromNanos, as in
// postgres; the helpers below are SQLite's own encodings.

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

// channelValue stores a member's channels: nil (never chose) as NULL, an
// empty list as "".
func channelValue(cs []string) any {
	if cs == nil {
		return nil
	}
	return strings.Join(cs, sqlrow.ChannelsSep)
}

// textLists reads the lists SQLite keeps joined in TEXT (sqlrow.Lists).
type textLists struct{}

// Dest implements sqlrow.Lists.
func (textLists) Dest(dst *[]string, sep string) any { return &textList{dst: dst, sep: sep} }

// Value implements sqlrow.Lists: the items joined by sep (one of sqlrow's
// separators); nil and empty are both "".
func (textLists) Value(items []string, sep string) any { return strings.Join(items, sep) }

// textList is the scan destination of one list column.
type textList struct {
	dst *[]string
	sep string
}

// Scan implements sql.Scanner: NULL is nil, "" an empty list.
func (l *textList) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*l.dst = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("list column holds %T", src)
	}
	if s == "" {
		*l.dst = []string{}
	} else {
		*l.dst = strings.Split(s, l.sep)
	}
	return nil
}

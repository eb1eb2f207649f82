package mgmtapi

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// page is the shape of every list answer. Next is "" on the last page.
type page struct {
	Items any    `json:"items"`
	Next  string `json:"next_cursor"`
}

// encodeCursor hides the position a page ended at; "" stays "".
func encodeCursor(pos string) string {
	if pos == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(pos))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", badCursor()
	}
	return string(b), nil
}

// pageQuery returns the page size (?limit=) and the decoded cursor
// (?cursor=) the request asks for; a bad limit is reported first.
func (c *call) pageQuery() (limit int, cursor string, err error) {
	if limit, err = c.limit(); err != nil {
		return 0, "", err
	}
	cursor, err = decodeCursor(c.r.URL.Query().Get("cursor"))
	return limit, cursor, err
}

func badCursor() error {
	return httpx.Errorf(http.StatusBadRequest, "invalid", "the cursor is not one this API gave out; pass next_cursor unchanged")
}

// writePage answers one page of records that the store reads whole (a
// tenant's applications, members, ...): sorted by key, the page starts
// after the cursor's key, so records added or removed meanwhile never make
// a record repeat.
func writePage[T, V any](c *call, all []T, key func(T) string, view func(T) V) error {
	limit, after, err := c.pageQuery()
	if err != nil {
		return err
	}
	all = slices.Clone(all)
	slices.SortFunc(all, func(x, y T) int { return strings.Compare(key(x), key(y)) })
	items := []V{}
	last, next := "", ""
	for _, x := range all {
		if after != "" && key(x) <= after {
			continue
		}
		if len(items) == limit {
			next = last
			break
		}
		items = append(items, view(x))
		last = key(x)
	}
	return c.reply(http.StatusOK, page{Items: items, Next: encodeCursor(next)})
}

func sortedApps(apps []store.Application) []store.Application {
	apps = slices.Clone(apps)
	slices.SortFunc(apps, func(x, y store.Application) int { return strings.Compare(x.ID, y.ID) })
	return apps
}

package admin

import (
	"net/url"
	"strings"
)

// NormalizeOrigins checks a list of web origins for an application
// ("https://app.example.com", "http://localhost:3000") and returns them
// lower-cased, without duplicates; nil when the list is empty. An origin is
// a scheme (http or https) and a host with an optional port, nothing else.
func NormalizeOrigins(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, raw := range in {
		raw = strings.TrimRight(strings.TrimSpace(raw), "/")
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, invalid("origin %q must be scheme://host[:port], like https://app.example.com", raw)
		}
		o := strings.ToLower(u.Scheme + "://" + u.Host)
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out, nil
}

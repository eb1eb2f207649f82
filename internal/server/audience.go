package server

import (
	"net"
	"net/url"
	"strings"
)

// loopbackAudiences are the other names of a public URL on a loopback
// address. The portal lives at http://localhost:PORT even when the public
// URL is http://127.0.0.1:PORT (WebAuthn needs a host name, so portal
// pages on a loopback IP redirect there), so an application, or a person
// following the README, may mint tokens for either; on a loopback address
// both name this server and nothing else. Other public URLs have none.
func loopbackAudiences(publicURL string) []string {
	u, err := url.Parse(strings.TrimRight(publicURL, "/"))
	if err != nil || u.Host == "" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	var out []string
	for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
		if p := u.Port(); p != "" {
			h += ":" + p
		}
		base := u.Scheme + "://" + h + u.EscapedPath()
		out = append(out, base, base+"/")
	}
	return out
}

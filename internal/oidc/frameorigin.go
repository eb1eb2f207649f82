package oidc

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// FrameOrigin parses raw as an origin that may frame the step-up page and
// returns it normalized as scheme://host[:port] (lower case, default port
// dropped). The host must be a DNS name or an IP literal: no wildcard,
// userinfo, path, query, fragment or character that would end a
// Content-Security-Policy source (space, ';', ',', quotes). Plain http is
// allowed only for localhost and loopback addresses, as for redirect URIs.
// The result is safe to put in a frame-ancestors directive.
func FrameOrigin(raw string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("frame origin %q %s", raw, why)
	}
	if strings.ContainsAny(raw, " \t\r\n;,'\"*\\") {
		return bad("contains a character an origin cannot have (space, ';', ',', quote, '*' or '\\')")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" || u.Host == "" {
		return bad("is not an http(s) origin (scheme://host[:port])")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("is not an origin: it may have only a scheme, a host and a port")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return bad("has an empty port")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return bad("has a port that is not a number from 1 to 65535")
		}
	}
	ip := net.ParseIP(host)
	switch {
	case strings.HasPrefix(u.Host, "["):
		if ip == nil || ip.To4() != nil || strings.Contains(host, "%") {
			return bad("has a bracketed host that is not an IPv6 address")
		}
		host = "[" + ip.String() + "]"
	case ip != nil:
		host = ip.String()
	case !dnsName(host):
		return bad("has a host that is not a DNS name or IP address")
	}
	if u.Scheme == "http" && !loopback(strings.Trim(host, "[]")) {
		return bad("uses plain http, which is allowed only for localhost and loopback addresses")
	}
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}

// dnsName reports whether host is a DNS name: dot-separated labels of
// letters, digits and inner hyphens, each 1 to 63 long, 253 in all.
func dnsName(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

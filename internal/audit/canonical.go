package audit

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendCanonical appends the canonical JSON of r's hashed fields to b: one
// object with the keys in byte order and no insignificant white space, as
// encoding/json writes a map without HTML escaping. It writes the common
// case directly; data that is not already in canonical form is decoded and
// re-encoded by encoding/json (slowCanonical), so both ways give the same
// bytes for every input (FuzzCanonicalMatchesEncodingJSON).
func (r Record) appendCanonical(b []byte) ([]byte, error) {
	if !isCanonicalJSON(r.Data) {
		return r.slowCanonical(b)
	}
	b = append(b, `{"action":`...)
	b = appendJSONString(b, r.Action)
	b = append(b, `,"actor":`...)
	b = appendJSONString(b, r.Actor)
	b = append(b, `,"at":"`...) // RFC 3339 has nothing to escape
	b = r.At.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = append(b, `,"data":`...)
	b = append(b, r.Data...)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, `,"target":`...)
	b = appendJSONString(b, r.Target)
	b = append(b, `,"tenant":`...)
	b = appendJSONString(b, r.TenantID)
	return append(b, '}'), nil
}

// slowCanonical is the reference encoding: decode data, put every field
// in a map and let encoding/json sort and write it.
func (r Record) slowCanonical(b []byte) ([]byte, error) {
	var data any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil, errNotJSON(r.Seq)
	}
	fields := map[string]any{
		"tenant": r.TenantID, "seq": r.Seq, "at": r.At.UTC().Format(time.RFC3339Nano),
		"actor": r.Actor, "action": r.Action, "target": r.Target, "data": data,
	}
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// appendJSONString appends s as encoding/json writes a string without
// HTML escaping. Strings it would escape or repair (quotes, backslashes,
// control characters, invalid UTF-8, U+2028/U+2029) go through
// encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	if !plainString(s) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s) // a string always encodes
		return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainString reports whether encoding/json writes s between quotes
// unchanged.
func plainString[T string | []byte](s T) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				return false
			}
			i++
			continue
		}
		var r rune
		var size int
		switch v := any(s).(type) {
		case string:
			r, size = utf8.DecodeRuneInString(v[i:])
		case []byte:
			r, size = utf8.DecodeRune(v[i:])
		}
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// isCanonicalJSON reports whether data is exactly what encoding/json
// writes after decoding it into an any: compact, object keys in strictly
// increasing byte order, plain strings, and integers small enough to
// survive float64 unchanged. It answers false for anything else, which
// then takes the slow path; false never means invalid.
func isCanonicalJSON(data []byte) bool {
	rest, ok := canonicalValue(data, 0)
	return ok && len(rest) == 0
}

const maxCanonicalDepth = 32

func canonicalValue(d []byte, depth int) ([]byte, bool) {
	if len(d) == 0 || depth > maxCanonicalDepth {
		return nil, false
	}
	switch c := d[0]; {
	case c == '{':
		d = d[1:]
		if len(d) > 0 && d[0] == '}' {
			return d[1:], true
		}
		var prev []byte
		for first := true; ; first = false {
			key, rest, ok := canonicalString(d)
			if !ok || !first && bytes.Compare(prev, key) >= 0 || len(rest) == 0 || rest[0] != ':' {
				return nil, false
			}
			prev = key
			if d, ok = canonicalValue(rest[1:], depth+1); !ok || len(d) == 0 {
				return nil, false
			}
			switch d[0] {
			case ',':
				d = d[1:]
			case '}':
				return d[1:], true
			default:
				return nil, false
			}
		}
	case c == '[':
		d = d[1:]
		if len(d) > 0 && d[0] == ']' {
			return d[1:], true
		}
		for {
			var ok bool
			if d, ok = canonicalValue(d, depth+1); !ok || len(d) == 0 {
				return nil, false
			}
			switch d[0] {
			case ',':
				d = d[1:]
			case ']':
				return d[1:], true
			default:
				return nil, false
			}
		}
	case c == '"':
		_, rest, ok := canonicalString(d)
		return rest, ok
	case c == '-' || c >= '0' && c <= '9':
		return canonicalInteger(d)
	case bytes.HasPrefix(d, []byte("true")):
		return d[4:], true
	case bytes.HasPrefix(d, []byte("false")):
		return d[5:], true
	case bytes.HasPrefix(d, []byte("null")):
		return d[4:], true
	}
	return nil, false
}

// canonicalString reads a plain string at the start of d and returns its
// content and what follows it.
func canonicalString(d []byte) (content, rest []byte, ok bool) {
	if len(d) == 0 || d[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(d[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	content = d[1 : 1+end]
	if !plainString(content) {
		return nil, nil, false
	}
	return content, d[2+end:], true
}

// canonicalInteger reads an integer of at most 15 digits (exact in a
// float64, written back by encoding/json digit for digit). Fractions,
// exponents, leading zeros and -0 are left to the slow path.
func canonicalInteger(d []byte) ([]byte, bool) {
	i := 0
	if d[0] == '-' {
		i++
	}
	start := i
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	digits := i - start
	if digits == 0 || digits > 15 || d[start] == '0' && (digits > 1 || start > 0) {
		return nil, false
	}
	if i < len(d) && (d[i] == '.' || d[i] == 'e' || d[i] == 'E') {
		return nil, false
	}
	return d[i:], true
}

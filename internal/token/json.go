package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// The header and the claims are read without decoding them into maps:
// encoding/json checks that a segment is one valid JSON value (json.Valid,
// the scanner json.Unmarshal runs first), and the walk below then only
// finds the top-level members of that valid text and hands their raw
// values over, to be decoded only for the few names the token package
// reads. It accepts exactly what decoding into map[string]json.RawMessage
// accepted (TestClaimDecoding, TestHeaderDecoding, FuzzDecodeLikeMaps):
//
//   - names match case-sensitively, after unescaping as encoding/json
//     does (invalid UTF-8 becomes U+FFFD), unlike decoding into a struct,
//     which would let "ISS" stand for iss;
//   - of duplicate names the last wins, whatever the earlier held;
//   - strings decode as json.Unmarshal decodes them, through it when they
//     hold an escape or a byte that is not valid UTF-8.

var errNotJSON = errors.New("token: not valid JSON")

// eachMember calls set with the name and the raw value of each member of
// the JSON object b, in order. b must be one valid JSON value, else it
// returns errNotJSON; null is errNotObject, as is any value but an object.
func eachMember(b []byte, set func(name, val []byte)) error {
	if !json.Valid(b) {
		return errNotJSON
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return errNotObject
	}
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return nil
	}
	for {
		end := stringEnd(b, i)
		name, err := memberName(b[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past ':'
		end = valueEnd(b, i)
		set(name, b[i:end])
		i = skipSpace(b, end)
		if b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // past ','
	}
}

// eachElement calls fn with each element of the valid JSON array v, in
// order, and stops at the first error.
func eachElement(v []byte, fn func(e []byte) error) error {
	i := skipSpace(v, 1)
	if v[i] == ']' {
		return nil
	}
	for {
		end := valueEnd(v, i)
		if err := fn(v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if v[i] == ']' {
			return nil
		}
		i = skipSpace(v, i+1)
	}
}

// memberName is the name of a member as a map key would hold it: the
// quoted string's bytes when they need no unescaping, else decoded by
// encoding/json.
func memberName(quoted []byte) ([]byte, error) {
	inner := quoted[1 : len(quoted)-1]
	if plain(inner) {
		return inner, nil
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// jsonString decodes the valid JSON value v as json.Unmarshal into a
// string would, except that null is an error too (callers treat null
// before).
func jsonString(v []byte) (string, error) {
	if v[0] != '"' {
		return "", errNotString
	}
	if inner := v[1 : len(v)-1]; plain(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", err
	}
	return s, nil
}

var errNotString = errors.New("token: not a JSON string")

// plain reports whether the inside of a valid JSON string decodes to
// itself: no escape, and valid UTF-8 (encoding/json replaces each invalid
// byte with U+FFFD).
func plain(inner []byte) bool {
	return bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the valid JSON string that starts
// at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; ; {
		switch b[j] {
		case '"':
			return j + 1
		case '\\':
			j += 2
		default:
			j++
		}
	}
}

// valueEnd returns the index just past the valid JSON value that starts at
// b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; ; {
			switch b[j] {
			case '"':
				j = stringEnd(b, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
			j++
		}
	}
	j := i // a number, true, false or null
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Versions of the statement format ("v" in the canonical JSON): Version
// states a decision on an access request; VersionOperation a decision on
// an approval request for an operation, made from a template, and has
// four more keys (template, title, text, metadata).
const (
	Version          = 1
	VersionOperation = 2
)

// Decisions an approver can sign.
const (
	Approve = "approve"
	Deny    = "deny"
)

// maxSafeInteger is the largest integer every JSON parser reads exactly
// (2^53-1); the canonical form allows no larger one.
const maxSafeInteger = 1<<53 - 1

// Statement is what an approver signs: one decision on one request.
// Every field is part of the canonical JSON, under the name in its tag;
// empty strings and an empty context are written, not left out, so the
// set of keys is always the same.
type Statement struct {
	// V is the statement format's version, Version.
	V int64 `json:"v"`
	// Request is the access request's ID.
	Request string `json:"request"`
	// Tenant is the tenant's name.
	Tenant string `json:"tenant"`
	// Application is the application's issuer (its unique identifier).
	Application string `json:"application"`
	// Account is the account's name at the application, as lock checks
	// name it.
	Account string `json:"account"`
	// Requester is the email of the member who asked; "" for a request
	// that a blocked sign-in raised.
	Requester string `json:"requester"`
	// Reason is the requester's reason ("" when none was given).
	Reason string `json:"reason"`
	// DurationSeconds is the length of the access asked for.
	DurationSeconds int64 `json:"duration_seconds"`
	// Context is what deadbolt knew of the request's circumstances, as
	// strings under the keys ip, device, location and integration.
	Context map[string]string `json:"context"`
	// Policy is the ID of the approval policy that governs the request.
	Policy string `json:"policy"`
	// Decision is Approve or Deny.
	Decision string `json:"decision"`
	// Approver and ApproverID are the email and member ID of the approver
	// who signs.
	Approver   string `json:"approver"`
	ApproverID string `json:"approver_id"`
	// IssuedAt is when the server asked for the signature, UTC, RFC 3339
	// with seconds ("2026-11-30T06:00:00Z").
	IssuedAt string `json:"issued_at"`
	// Nonce is 16 or more random bytes, base64url without padding, so that
	// no two challenges are alike (WebAuthn wants unpredictable
	// challenges) even for the same decision.
	Nonce string `json:"nonce"`

	// Only in VersionOperation statements, and always there: the
	// template's key, its title, its text with the placeholders filled
	// from metadata, and the request's metadata as strings.
	Template string            `json:"template,omitempty"`
	Title    string            `json:"title,omitempty"`
	Text     string            `json:"text,omitempty"`
	MetaData map[string]string `json:"metadata,omitempty"`
}

// Stamp returns s with V, IssuedAt (from now) and a fresh Nonce filled in.
func (s Statement) Stamp(now time.Time, random []byte) Statement {
	s.V = Version
	if s.Template != "" {
		s.V = VersionOperation
	}
	s.IssuedAt = now.UTC().Truncate(time.Second).Format(time.RFC3339)
	s.Nonce = base64.RawURLEncoding.EncodeToString(random)
	return s
}

// Duration returns DurationSeconds as a time.Duration.
func (s Statement) Duration() time.Duration { return time.Duration(s.DurationSeconds) * time.Second }

// check reports the first thing that keeps s from being signed.
func (s Statement) check() error {
	switch {
	case s.V != Version && s.V != VersionOperation:
		return fmt.Errorf("%w: statement version %d, want %d or %d", ErrMalformed, s.V, Version, VersionOperation)
	case s.V == VersionOperation && s.Template == "":
		return fmt.Errorf("%w: a version %d statement names no template", ErrMalformed, VersionOperation)
	case s.V == Version && (s.Template != "" || s.Title != "" || s.Text != "" || len(s.MetaData) > 0):
		return fmt.Errorf("%w: a version %d statement has no template, title, text or metadata", ErrMalformed, Version)
	case s.Request == "":
		return fmt.Errorf("%w: statement names no request", ErrMalformed)
	case s.Decision != Approve && s.Decision != Deny:
		return fmt.Errorf("%w: decision %q is neither %q nor %q", ErrMalformed, s.Decision, Approve, Deny)
	case s.DurationSeconds < 0 || s.DurationSeconds > maxSafeInteger:
		return fmt.Errorf("%w: duration_seconds %d is out of range", ErrMalformed, s.DurationSeconds)
	case s.ApproverID == "":
		return fmt.Errorf("%w: statement names no approver", ErrMalformed)
	}
	if _, err := time.Parse(time.RFC3339, s.IssuedAt); err != nil {
		return fmt.Errorf("%w: issued_at %q is not an RFC 3339 time", ErrMalformed, s.IssuedAt)
	}
	if n, err := base64.RawURLEncoding.DecodeString(s.Nonce); err != nil || len(n) < 16 {
		return fmt.Errorf("%w: nonce is not 16 or more bytes of base64url", ErrMalformed)
	}
	return nil
}

// Canonical returns the canonical JSON of s: the bytes whose SHA-256 is the
// WebAuthn challenge. It is the RFC 8785 (JCS) serialization of the
// object: keys sorted by their UTF-16 code units, no whitespace, strings
// as UTF-8 with only '"', '\' and control characters escaped (\b \t \n \f
// \r, others as \u00xx), integers in plain decimal. Strings that are not
// valid UTF-8 are refused rather than repaired.
func (s Statement) Canonical() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	ctx := s.Context
	if ctx == nil {
		ctx = map[string]string{}
	}
	fields := map[string]any{
		"v": s.V, "request": s.Request, "tenant": s.Tenant, "application": s.Application,
		"account": s.Account, "requester": s.Requester, "reason": s.Reason,
		"duration_seconds": s.DurationSeconds, "context": ctx, "policy": s.Policy,
		"decision": s.Decision, "approver": s.Approver, "approver_id": s.ApproverID,
		"issued_at": s.IssuedAt, "nonce": s.Nonce,
	}
	if s.V == VersionOperation {
		meta := s.MetaData
		if meta == nil {
			meta = map[string]string{}
		}
		fields["template"], fields["title"], fields["text"], fields["metadata"] = s.Template, s.Title, s.Text, meta
	}
	var b bytes.Buffer
	if err := writeValue(&b, fields); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Challenge returns SHA-256 of canonical: the WebAuthn challenge, as raw
// bytes (clientDataJSON carries it base64url-encoded without padding).
func Challenge(canonical []byte) []byte {
	h := sha256.Sum256(canonical)
	return h[:]
}

// ParseCanonical reads a statement from its canonical JSON. Bytes that are
// not exactly the canonical form of what they decode to (other key order,
// whitespace, escapes, duplicate or unknown keys) are ErrNotCanonical, so
// the statement a verifier shows is the one that was signed, byte for
// byte.
func ParseCanonical(b []byte) (Statement, error) {
	var s Statement
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Statement{}, fmt.Errorf("%w: canonical_json: %v", ErrNotCanonical, err)
	}
	if dec.More() {
		return Statement{}, fmt.Errorf("%w: canonical_json: data after the object", ErrNotCanonical)
	}
	again, err := s.Canonical()
	if err != nil {
		return Statement{}, err
	}
	if !bytes.Equal(again, b) {
		return Statement{}, fmt.Errorf("%w: canonical_json is not in canonical form (key order, whitespace, escapes, duplicate or missing keys)", ErrNotCanonical)
	}
	return s, nil
}

func writeValue(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case string:
		return writeString(b, v)
	case int64:
		if v < -maxSafeInteger || v > maxSafeInteger {
			return fmt.Errorf("%w: integer %d is too large for JSON", ErrMalformed, v)
		}
		b.WriteString(strconv.FormatInt(v, 10))
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return writeValue(b, m)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeString(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := writeValue(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("evidence: canonical JSON has no form for %T", v)
	}
	return nil
}

// writeString writes s as RFC 8785 does (ECMAScript's JSON.stringify).
func writeString(b *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: string %q is not valid UTF-8", ErrMalformed, s)
	}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return nil
}

// lessUTF16 orders strings by their UTF-16 code units, as RFC 8785 sorts
// keys (it differs from byte order only above U+FFFF against U+E000..U+FFFF).
func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

// ErrStatementMismatch: a signed statement is not about the decision it
// is presented for.
var ErrStatementMismatch = errors.New("the signed statement is not this decision")

// SameDecision reports, as ErrStatementMismatch naming the first field that
// differs, whether s states the same decision as want: every field but V,
// IssuedAt and Nonce, which make each signing unique, is equal.
func (s Statement) SameDecision(want Statement) error {
	type pair struct {
		name      string
		got, want any
	}
	for _, p := range []pair{
		{"request", s.Request, want.Request}, {"tenant", s.Tenant, want.Tenant},
		{"application", s.Application, want.Application}, {"account", s.Account, want.Account},
		{"requester", s.Requester, want.Requester}, {"reason", s.Reason, want.Reason},
		{"duration_seconds", s.DurationSeconds, want.DurationSeconds}, {"policy", s.Policy, want.Policy},
		{"decision", s.Decision, want.Decision}, {"approver", s.Approver, want.Approver},
		{"approver_id", s.ApproverID, want.ApproverID}, {"template", s.Template, want.Template},
		{"title", s.Title, want.Title}, {"text", s.Text, want.Text},
	} {
		if p.got != p.want {
			return fmt.Errorf("%w: %s is %v, want %v", ErrStatementMismatch, p.name, p.got, p.want)
		}
	}
	if len(s.Context) != len(want.Context) {
		return fmt.Errorf("%w: context differs", ErrStatementMismatch)
	}
	for k, v := range want.Context {
		if got, ok := s.Context[k]; !ok || got != v {
			return fmt.Errorf("%w: context %q is %q, want %q", ErrStatementMismatch, k, got, v)
		}
	}
	if len(s.MetaData) != len(want.MetaData) {
		return fmt.Errorf("%w: metadata differs", ErrStatementMismatch)
	}
	for k, v := range want.MetaData {
		if got, ok := s.MetaData[k]; !ok || got != v {
			return fmt.Errorf("%w: metadata %q is %q, want %q", ErrStatementMismatch, k, got, v)
		}
	}
	return nil
}

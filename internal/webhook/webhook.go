package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

// Event types.
const (
	// TypeAccountLocked is sent when an account becomes locked.
	TypeAccountLocked = "account.locked"
	// TypeAccountUnlocked is sent when an account becomes unlocked.
	TypeAccountUnlocked = "account.unlocked"
)

// HTTP headers of a delivery.
const (
	// HeaderSignature carries the timestamp and signatures.
	HeaderSignature = "Deadbolt-Signature"
	// HeaderEventID carries Event.ID.
	HeaderEventID = "Deadbolt-Event-Id"
	// HeaderEventType carries Event.Type.
	HeaderEventType = "Deadbolt-Event-Type"
)

// Limits and defaults.
const (
	// DefaultTolerance is how far a signature's timestamp may be from the
	// receiver's clock when Verify is given no tolerance.
	DefaultTolerance = 5 * time.Minute
	// SecretPrefix starts every secret NewSecret makes.
	SecretPrefix = "whsec_"
	// MaxHeaderSize is the longest signature header Verify parses.
	MaxHeaderSize = 4096
	// MaxSignatures is the most v1 values Verify accepts in one header.
	MaxSignatures = 8
)

// Event is the body of a webhook delivery.
type Event struct {
	// ID identifies the event; it is the same on every retry of it.
	ID string `json:"id"`
	// Type is TypeAccountLocked or TypeAccountUnlocked.
	Type string `json:"type"`
	// At is when the change was made (UTC).
	At time.Time `json:"at"`
	// Tenant is the tenant's name.
	Tenant string `json:"tenant"`
	// Data describes the change.
	Data EventData `json:"data"`
}

// EventData is the account an Event is about and its new state.
type EventData struct {
	// Application is the application's issuer.
	Application string `json:"application"`
	// Account is the account name (the lock-check token's sub).
	Account string `json:"account"`
	// Locked is the account's state after the change.
	Locked bool `json:"locked"`
	// Until is when an expiring unlock ends; nil otherwise.
	Until *time.Time `json:"until,omitempty"`
}

// Validate reports whether e is a well-formed event: a known type that
// agrees with Data.Locked, and non-empty id, application and account.
func (e Event) Validate() error {
	var problems []string
	if e.ID == "" {
		problems = append(problems, "id is empty")
	}
	switch e.Type {
	case TypeAccountLocked:
		if !e.Data.Locked {
			problems = append(problems, "type account.locked with data.locked false")
		}
	case TypeAccountUnlocked:
		if e.Data.Locked {
			problems = append(problems, "type account.unlocked with data.locked true")
		}
	default:
		problems = append(problems, fmt.Sprintf("unknown type %.40q", e.Type))
	}
	if e.Data.Application == "" {
		problems = append(problems, "data.application is empty")
	}
	if e.Data.Account == "" {
		problems = append(problems, "data.account is empty")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrEvent, strings.Join(problems, "; "))
	}
	return nil
}

// ParseEvent decodes and validates a delivery body. Unknown fields are
// ignored. Call it only after Verify has accepted the body.
func ParseEvent(body []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// NewSecret returns a fresh endpoint secret: SecretPrefix followed by the
// unpadded base64url encoding of 32 random bytes.
func NewSecret() string { return SecretPrefix + ids.NewSecret() }

// Sign returns the Deadbolt-Signature header value for body sent at t.
func Sign(secret string, body []byte, t time.Time) string {
	return SignAll([]string{secret}, body, t)
}

// SignAll is Sign with one v1 value per secret, in order. A sender uses it
// while rotating an endpoint's secret, so receivers holding either secret
// accept the delivery.
func SignAll(secrets []string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(ts)
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Signature is a parsed Deadbolt-Signature header.
type Signature struct {
	// Timestamp is the t value, whole seconds.
	Timestamp time.Time
	// V1 holds the decoded v1 values, each 32 bytes.
	V1 [][]byte

	// ts is t exactly as sent, which is what was signed.
	ts string
}

// ParseSignature parses a Deadbolt-Signature header value. It requires
// exactly one t (decimal Unix seconds) and between one and MaxSignatures v1
// values (64 hex digits each); other keys are ignored. Items are separated
// by commas; spaces around items are allowed.
func ParseSignature(header string) (Signature, error) {
	if strings.TrimSpace(header) == "" {
		return Signature{}, ErrMissing
	}
	if len(header) > MaxHeaderSize {
		return Signature{}, malformed("header is longer than %d bytes", MaxHeaderSize)
	}
	var sig Signature
	seenT := false
	for item := range strings.SplitSeq(header, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return Signature{}, malformed("item %.20q is not key=value", item)
		}
		switch k {
		case "t":
			if seenT {
				return Signature{}, malformed("more than one t")
			}
			seenT = true
			if v == "" || len(v) > 12 || strings.Trim(v, "0123456789") != "" {
				return Signature{}, malformed("t %.20q is not a Unix time in seconds", v)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Signature{}, malformed("t %.20q is not a Unix time in seconds", v)
			}
			sig.Timestamp = time.Unix(n, 0).UTC()
			sig.ts = v
		case "v1":
			if len(sig.V1) == MaxSignatures {
				return Signature{}, malformed("more than %d v1 values", MaxSignatures)
			}
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return Signature{}, malformed("v1 is not %d hex digits", 2*sha256.Size)
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if !seenT {
		return Signature{}, malformed("no t")
	}
	if len(sig.V1) == 0 {
		return Signature{}, malformed("no v1")
	}
	return sig, nil
}

// Verify checks a delivery: header is the Deadbolt-Signature value and body
// the raw request body. It accepts when the timestamp is within tolerance of
// now (DefaultTolerance when tolerance ≤ 0) and any v1 value is the HMAC of
// the body under secret. Every error wraps ErrInvalid.
func Verify(secret string, header string, body []byte, now time.Time, tolerance time.Duration) error {
	return VerifyAny([]string{secret}, header, body, now, tolerance)
}

// VerifyAny is Verify for a receiver that holds several secrets (during a
// rotation): it accepts when any v1 value matches any secret. Empty secrets
// are skipped; with none left it fails with ErrNoSecret.
func VerifyAny(secrets []string, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var keys []string
	for _, s := range secrets {
		if s != "" {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		return ErrNoSecret
	}
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(sig.Timestamp); d > tolerance || d < -tolerance {
		return &Error{Kind: ErrTimestamp, Detail: fmt.Sprintf("timestamp %s is %s from now; tolerance %s",
			sig.Timestamp.Format(time.RFC3339), d.Round(time.Second), tolerance)}
	}
	ok := 0
	for _, s := range keys {
		want := mac(s, sig.ts, body)
		for _, got := range sig.V1 {
			// Every comparison runs, so timing says nothing about which matched.
			if hmac.Equal(want, got) {
				ok++
			}
		}
	}
	if ok == 0 {
		return &Error{Kind: ErrSignature}
	}
	return nil
}

func malformed(format string, args ...any) error {
	return reject.New(ErrMalformed, format, args...)
}

// ErrInvalid is wrapped by every error ParseSignature returns and every
// error Verify returns except ErrNoSecret: the delivery must be refused
// (answer 401).
var ErrInvalid = errors.New("webhook: invalid signature")

// Rejection kinds; each wraps ErrInvalid.
var (
	// ErrMissing: the signature header is absent or empty.
	ErrMissing error = &reject.Kind{Text: "webhook: missing signature header", Parent: ErrInvalid}
	// ErrMalformed: the signature header cannot be parsed.
	ErrMalformed error = &reject.Kind{Text: "webhook: malformed signature header", Parent: ErrInvalid}
	// ErrTimestamp: the signature's timestamp is outside the tolerance.
	ErrTimestamp error = &reject.Kind{Text: "webhook: signature timestamp outside tolerance", Parent: ErrInvalid}
	// ErrSignature: no v1 value matches the body under any secret.
	ErrSignature error = &reject.Kind{Text: "webhook: signature mismatch", Parent: ErrInvalid}
)

// ErrNoSecret is returned by VerifyAny when the receiver has no secret to
// verify with. It is a configuration fault on the receiver, not a bad
// delivery, so it does not wrap ErrInvalid.
var ErrNoSecret error = &reject.Kind{Text: "webhook: no secret configured"}

// ErrEvent is wrapped by ParseEvent and Event.Validate errors: the body is
// signed correctly but is not a usable event.
var ErrEvent = errors.New("webhook: invalid event")

// Error is a rejection with detail safe to log (never secrets): Kind is
// one of the rejection kinds above.
type Error = reject.Error

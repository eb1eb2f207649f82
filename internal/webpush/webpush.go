package webpush

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrGone: the push service says the subscription no longer exists (404 or
// 410); the caller should forget it.
var ErrGone = errors.New("webpush: subscription is gone")

// ErrEndpoint: a subscription's endpoint is not one deadbolt sends to.
var ErrEndpoint = errors.New("webpush: endpoint not allowed")

var b64 = base64.RawURLEncoding

// VAPID is the server's identity towards push services.
type VAPID struct {
	key     *ecdsa.PrivateKey
	public  []byte // uncompressed point
	Subject string // a mailto: or https: contact, the JWT "sub"
}

// NewVAPID makes the VAPID key from 32 secret bytes (seal.Box.Derive).
func NewVAPID(seed []byte, subject string) (*VAPID, error) {
	for i := 0; i < 16; i++ {
		key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
		if err == nil {
			pub, err := key.PublicKey.Bytes()
			if err != nil {
				return nil, err
			}
			return &VAPID{key: key, public: pub, Subject: subject}, nil
		}
		// Not below the curve order (odds 2^-32): hash and try again.
		s := sha256.Sum256(seed)
		seed = s[:]
	}
	return nil, errors.New("webpush: cannot make a VAPID key from this seed")
}

// PublicKey is the applicationServerKey browsers subscribe with
// (base64url, uncompressed P-256 point).
func (v *VAPID) PublicKey() string { return b64.EncodeToString(v.public) }

// authorization is the Authorization header for a push to endpoint.
func (v *VAPID) authorization(endpoint *url.URL, now time.Time) (string, error) {
	claims := jwt.MapClaims{"aud": endpoint.Scheme + "://" + endpoint.Host, "exp": now.Add(12 * time.Hour).Unix(), "sub": v.Subject}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(v.key)
	if err != nil {
		return "", fmt.Errorf("webpush: sign VAPID token: %w", err)
	}
	return "vapid t=" + tok + ", k=" + v.PublicKey(), nil
}

// CheckEndpoint accepts an https push endpoint without user info whose
// host the policy allows (egress.Policy.CheckHost: a name is resolved and
// every address checked). A refusal wraps ErrEndpoint.
func CheckEndpoint(ctx context.Context, p egress.Policy, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: not an https URL", ErrEndpoint)
	}
	if err := p.CheckHost(ctx, u.Hostname()); err != nil {
		return fmt.Errorf("%w: %w", ErrEndpoint, err)
	}
	return nil
}

// Sender posts encrypted messages to push services. It is safe for
// concurrent use.
type Sender struct {
	VAPID *VAPID
	// Policy vets endpoints before a push and the addresses dialled for
	// it; the zero value allows public addresses only, as push services
	// are.
	Policy egress.Policy
	// Client posts the messages; nil means Policy.Client with a 10 s
	// timeout. Redirects are never followed, whatever the client says.
	Client *http.Client
	// TTL is how long a push service keeps an undelivered message; zero
	// means 5 minutes, the life of an unlock request.
	TTL time.Duration
	Now func() time.Time // nil: time.Now

	once   sync.Once
	client *http.Client
}

// httpClient is Client, or the policy's, never following redirects.
func (s *Sender) httpClient() *http.Client {
	s.once.Do(func() {
		if s.Client == nil {
			s.client = s.Policy.Client(10 * time.Second)
			return
		}
		c := *s.Client
		c.CheckRedirect = egress.NoRedirects
		s.client = &c
	})
	return s.client
}

// Send encrypts payload for the subscription and posts it. A subscription
// the push service no longer knows is ErrGone; an endpoint the policy
// refuses, before or at dial time, is ErrEndpoint. Other failures are an
// *egress.Failure: its text is the class of failure, never the push
// service's answer.
func (s *Sender) Send(ctx context.Context, sub store.PushSubscription, payload []byte) error {
	if err := CheckEndpoint(ctx, s.Policy, sub.Endpoint); err != nil {
		return err
	}
	endpoint, _ := url.Parse(sub.Endpoint)
	body, err := Encrypt(sub.P256dh, sub.Auth, payload)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	auth, err := s.VAPID.authorization(endpoint, now())
	if err != nil {
		return err
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webpush: %w", err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("TTL", strconv.Itoa(int(ttl.Seconds())))
	req.Header.Set("Urgency", "high")
	resp, err := s.httpClient().Do(req)
	if err != nil {
		f := egress.Classify(err)
		if errors.Is(err, egress.ErrRefused) {
			return fmt.Errorf("webpush: push service %s: %w: %w", endpoint.Host, ErrEndpoint, f)
		}
		return fmt.Errorf("webpush: push service %s: %w", endpoint.Host, f)
	}
	defer resp.Body.Close()
	// The answer's body is not read into the error: whoever chose the
	// endpoint must not be able to read a response back through it.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrGone
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	}
	return fmt.Errorf("webpush: push service %s: %w", endpoint.Host, egress.Status(resp.StatusCode))
}

// recordSize is the rs field: one record is always enough for a notice.
const recordSize = 4096

// Encrypt encrypts payload for the browser with public key uaPublic
// (uncompressed P-256) and authentication secret auth, as RFC 8291
// describes: one aes128gcm record with a fresh server key and salt.
func Encrypt(uaPublic, auth, payload []byte) ([]byte, error) {
	if len(payload) > recordSize-17-1 {
		return nil, fmt.Errorf("webpush: payload of %d bytes is too long", len(payload))
	}
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("webpush: browser key: %w", err)
	}
	if len(auth) != 16 {
		return nil, fmt.Errorf("webpush: auth secret is %d bytes, want 16", len(auth))
	}
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return seal(as, ua, auth, salt, payload)
}

// seal is Encrypt with the server key and salt given (tests use RFC 8291's
// example values).
func seal(as *ecdh.PrivateKey, ua *ecdh.PublicKey, auth, salt, payload []byte) ([]byte, error) {
	secret, err := as.ECDH(ua)
	if err != nil {
		return nil, err
	}
	asPublic := as.PublicKey().Bytes()
	cek, nonce, err := contentKeys(secret, auth, salt, ua.Bytes(), asPublic)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	record := append(append([]byte{}, payload...), 0x02) // the last (only) record
	out := append([]byte{}, salt...)
	out = binary.BigEndian.AppendUint32(out, recordSize)
	out = append(out, byte(len(asPublic)))
	out = append(out, asPublic...)
	return gcm.Seal(out, nonce, record, nil), nil
}

// contentKeys derives the content-encryption key and nonce (RFC 8291 §3.4,
// RFC 8188 §2.2).
func contentKeys(ecdhSecret, auth, salt, uaPublic, asPublic []byte) (cek, nonce []byte, err error) {
	prkKey, err := hkdf.Extract(sha256.New, ecdhSecret, auth)
	if err != nil {
		return nil, nil, err
	}
	keyInfo := "WebPush: info\x00" + string(uaPublic) + string(asPublic)
	ikm, err := hkdf.Expand(sha256.New, prkKey, keyInfo, 32)
	if err != nil {
		return nil, nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, err
	}
	if cek, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return nil, nil, err
	}
	nonce, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	return cek, nonce, err
}

package webpush

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/egress/egresstest"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC8291Example encrypts the example message of RFC 8291 section 5
// with its keys and salt and compares the bytes.
func TestRFC8291Example(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(unb64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	ua, err := ecdh.P256().NewPublicKey(unb64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := seal(as, ua, unb64(t, "BTBZMqHH6r4Tts7J_aSIgg"), unb64(t, "DGv6ra1nlYgDCS1FRnbzlw"),
		[]byte("When I grow up, I want to be a watermelon"))
	if err != nil {
		t.Fatal(err)
	}
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	if b64.EncodeToString(got) != want {
		t.Fatalf("RFC 8291 example:\n got %s\nwant %s", b64.EncodeToString(got), want)
	}
}

// browser is the receiving side, written from RFC 8291 independently of
// the package's code.
type browser struct {
	key  *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) *browser {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &browser{key: k, auth: auth}
}

func (b *browser) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs != 4096 || idlen != 65 {
		t.Fatalf("header rs %d idlen %d", rs, idlen)
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := b.key.ECDH(asPub)
	prkKey, _ := hkdf.Extract(sha256.New, secret, b.auth)
	ikm, _ := hkdf.Expand(sha256.New, prkKey, "WebPush: info\x00"+string(b.key.PublicKey().Bytes())+string(asPub.Bytes()), 32)
	prk, _ := hkdf.Extract(sha256.New, ikm, salt)
	cek, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	pt, err := gcm.Open(nil, nonce, body[21+idlen:], nil)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	if pt[len(pt)-1] != 0x02 {
		t.Fatalf("record delimiter %x", pt[len(pt)-1])
	}
	return pt[:len(pt)-1]
}

func TestSend(t *testing.T) {
	seed := bytes.Repeat([]byte{5}, 32)
	v, err := NewVAPID(seed, "mailto:security@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := NewVAPID(seed, ""); again.PublicKey() != v.PublicKey() {
		t.Fatal("the same seed made another VAPID key")
	}
	br := newBrowser(t)
	var got *http.Request
	var body []byte
	status := http.StatusCreated
	push := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, must(io.ReadAll(r.Body))
		w.WriteHeader(status)
	}))
	defer push.Close()
	// The push service listens on loopback: the test allows it, as an
	// operator never can.
	s := &Sender{VAPID: v, Policy: egress.Policy{AllowPrivate: true}, Client: trusting(push)}
	sub := store.PushSubscription{Endpoint: push.URL + "/push/abc", P256dh: br.key.PublicKey().Bytes(), Auth: br.auth}

	if err := s.Send(t.Context(), sub, []byte(`{"title":"Sign-in request"}`)); err != nil {
		t.Fatal(err)
	}
	if pt := br.decrypt(t, body); string(pt) != `{"title":"Sign-in request"}` {
		t.Fatalf("payload %q", pt)
	}
	if got.Header.Get("Content-Encoding") != "aes128gcm" || got.Header.Get("TTL") != "300" || got.URL.Path != "/push/abc" {
		t.Fatalf("request %s %v", got.URL, got.Header)
	}
	// The VAPID header: a JWT for the push service's origin, signed by the
	// key the header names, which is the key browsers subscribed with.
	auth := got.Header.Get("Authorization")
	tokPart, keyPart, ok := strings.Cut(strings.TrimPrefix(auth, "vapid t="), ", k=")
	if !strings.HasPrefix(auth, "vapid t=") || !ok || keyPart != v.PublicKey() {
		t.Fatalf("Authorization %q", auth)
	}
	x, y := elliptic.Unmarshal(elliptic.P256(), unb64(t, keyPart))
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tokPart, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(push.URL)); err != nil {
		t.Fatalf("VAPID token: %v", err)
	}
	if exp, _ := claims.GetExpirationTime(); exp == nil || time.Until(exp.Time) > 24*time.Hour || claims["sub"] != "mailto:security@acme.test" {
		t.Fatalf("VAPID claims %v", claims)
	}

	status = http.StatusGone
	if err := s.Send(t.Context(), sub, []byte("x")); !errors.Is(err, ErrGone) {
		t.Fatalf("410: %v", err)
	}
	// A failure is stored as its class: never the push service's answer.
	status = http.StatusInternalServerError
	err = s.Send(t.Context(), sub, []byte("x"))
	var f *egress.Failure
	if !errors.As(err, &f) || f.Status != http.StatusInternalServerError || errors.Is(err, ErrGone) {
		t.Fatalf("500: %v", err)
	}
	// By default, endpoints on this machine or a private network are
	// refused: a browser names them, deadbolt must not be made to call
	// internal services.
	hits := 0
	push.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ })
	strict := &Sender{VAPID: v, Client: trusting(push)}
	if err := strict.Send(t.Context(), sub, []byte("x")); !errors.Is(err, ErrEndpoint) || !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("loopback endpoint: %v", err)
	}
	if hits != 0 {
		t.Fatal("the loopback push service was reached")
	}
}

// trusting is a client for the loopback TLS servers srvs, under the
// egress policy's transport with private addresses allowed.
func trusting(srvs ...*httptest.Server) *http.Client {
	tr := egress.Policy{AllowPrivate: true}.Transport()
	tr.TLSClientConfig = &tls.Config{RootCAs: x509.NewCertPool()}
	for _, s := range srvs {
		tr.TLSClientConfig.RootCAs.AddCert(s.Certificate())
	}
	return &http.Client{Transport: tr}
}

// TestSendNoRedirectNoBody: a push service that answers with a redirect
// to an internal address is not followed, and what it answers does not
// reach the stored error (finding: SSRF through Web Push).
func TestSendNoRedirectNoBody(t *testing.T) {
	v, _ := NewVAPID(bytes.Repeat([]byte{5}, 32), "mailto:security@acme.test")
	br := newBrowser(t)
	internal := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internal++
		io.WriteString(w, "ami-id: secret-metadata")
	}))
	defer target.Close()
	push := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, target.URL+"/latest/meta-data", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "SECRET-BODY internal service banner")
	}))
	defer push.Close()
	// Even a client that would follow redirects does not, in a Sender.
	client := trusting(push)
	client.CheckRedirect = nil
	s := &Sender{VAPID: v, Policy: egress.Policy{AllowPrivate: true}, Client: client}
	sub := store.PushSubscription{Endpoint: push.URL + "/redirect", P256dh: br.key.PublicKey().Bytes(), Auth: br.auth}
	err := s.Send(t.Context(), sub, []byte("x"))
	var f *egress.Failure
	if !errors.As(err, &f) || f.Status != http.StatusTemporaryRedirect || internal != 0 {
		t.Fatalf("redirect: %v; internal target reached %d times", err, internal)
	}
	sub.Endpoint = push.URL + "/body"
	err = s.Send(t.Context(), sub, []byte("x"))
	if !errors.As(err, &f) || f.Status != http.StatusBadRequest || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("400 with a body: %v", err)
	}
}

// TestSendRebinding: an endpoint whose name resolved to a public address
// when it was checked and to loopback when it is dialled is refused by the
// dialer, and counts as an endpoint deadbolt does not send to.
func TestSendRebinding(t *testing.T) {
	v, _ := NewVAPID(bytes.Repeat([]byte{5}, 32), "mailto:security@acme.test")
	br := newBrowser(t)
	hits := 0
	push := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer push.Close()
	res := &egresstest.Rebinding{First: netip.MustParseAddr("93.184.215.14"), Then: netip.MustParseAddr("127.0.0.1")}
	s := &Sender{VAPID: v, Policy: egress.Policy{Resolver: res}}
	sub := store.PushSubscription{Endpoint: "https://push.rebind.test:" + push.URL[strings.LastIndex(push.URL, ":")+1:] + "/x",
		P256dh: br.key.PublicKey().Bytes(), Auth: br.auth}
	err := s.Send(t.Context(), sub, []byte("x"))
	var f *egress.Failure
	if !errors.Is(err, ErrEndpoint) || !errors.As(err, &f) || f.Class != egress.ClassRefused || hits != 0 {
		t.Fatalf("rebound endpoint: %v (hits %d)", err, hits)
	}
	if !res.Lookups("push.rebind.test") {
		t.Fatal("the name was never looked up: the test proves nothing")
	}
}

func TestCheckEndpoint(t *testing.T) {
	res := egresstest.Static{"push.example.com": {netip.MustParseAddr("93.184.215.14")},
		"internal.example.com": {netip.MustParseAddr("10.1.2.3")}}
	for raw, ok := range map[string]bool{
		"https://push.example.com/fcm/send/abc": true,
		"https://8.8.8.8/x":                     true,
		"http://push.example.com/x":             false,
		"https://internal.example.com/x":        false,
		"https://127.0.0.1/x":                   false,
		"https://10.0.0.5/x":                    false,
		"https://169.254.169.254/latest":        false,
		"https://[::1]/x":                       false,
		"https://[fd00:ec2::254]/x":             false,
		"https://localhost/x":                   false,
		"https://user:pw@push.example.com/x":    false,
		"not a url":                             false,
	} {
		if err := CheckEndpoint(t.Context(), egress.Policy{Resolver: res}, raw); (err == nil) != ok || (err != nil && !errors.Is(err, ErrEndpoint)) {
			t.Errorf("CheckEndpoint(%q) = %v", raw, err)
		}
	}
}

func TestEncryptRejects(t *testing.T) {
	br := newBrowser(t)
	if _, err := Encrypt([]byte{1, 2, 3}, br.auth, []byte("x")); err == nil {
		t.Error("accepted a bad browser key")
	}
	if _, err := Encrypt(br.key.PublicKey().Bytes(), []byte{1}, []byte("x")); err == nil {
		t.Error("accepted a short auth secret")
	}
	if _, err := Encrypt(br.key.PublicKey().Bytes(), br.auth, make([]byte, 5000)); err == nil {
		t.Error("accepted a payload longer than one record")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

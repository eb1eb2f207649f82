package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	dmail "github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// sink is a small SMTP server on a real loopback socket: EHLO, STARTTLS,
// AUTH PLAIN, MAIL, RCPT, DATA, QUIT. It records what it received.
type sink struct {
	t        *testing.T
	ln       net.Listener
	tls      *tls.Config
	offerTLS bool
	failData int // answer the first failData DATA commands with 451

	mu   sync.Mutex
	got  []received
	seen chan received
}

type received struct {
	from, to, data, user string
	secure               bool
}

func newSink(t *testing.T, offerTLS bool) (*sink, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{t: t, ln: ln, offerTLS: offerTLS, seen: make(chan received, 10),
		tls: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s, pool
}

func (s *sink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 sink ESMTP")
	var r received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tp.PrintfLine("250-sink")
			if s.offerTLS && !r.secure {
				tp.PrintfLine("250-STARTTLS")
			}
			if r.secure {
				tp.PrintfLine("250-AUTH PLAIN")
			}
			tp.PrintfLine("250 8BITMIME")
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, tp, r.secure = tc, textproto.NewConn(tc), true
		case "AUTH":
			mech, b64, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(b64)
			parts := strings.Split(string(raw), "\x00")
			if mech != "PLAIN" || len(parts) != 3 || parts[2] != "s3cret" {
				tp.PrintfLine("535 no")
				continue
			}
			r.user = parts[1]
			tp.PrintfLine("235 ok")
		case "MAIL":
			r.from = arg
			tp.PrintfLine("250 ok")
		case "RCPT":
			r.to = arg
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			fail := s.failData > 0
			if fail {
				s.failData--
			}
			s.mu.Unlock()
			if fail {
				tp.PrintfLine("451 try again later")
				continue
			}
			r.data = string(data)
			s.seen <- r
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

func (s *sink) sender(pool *x509.CertPool) *dmail.Sender {
	return &dmail.Sender{Addr: s.ln.Addr().String(), From: "deadbolt <deadbolt@acme.test>", Username: "mailer", Password: "s3cret",
		TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}
}

func (s *sink) wait(t *testing.T) received {
	t.Helper()
	select {
	case r := <-s.seen:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the SMTP server received nothing")
		return received{}
	}
}

// parts reads a multipart/alternative message into its content types and
// decoded bodies.
func parts(t *testing.T, raw string) (*mail.Message, map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[ct] = string(b)
	}
	return msg, out
}

func TestSendSTARTTLS(t *testing.T) {
	s, pool := newSink(t, true)
	err := s.sender(pool).Send(t.Context(), dmail.Message{To: "Alice <alice@acme.test>", Subject: "Grüße\r\nBcc: evil@example.com",
		Text: "plain body", HTML: "<p>html body</p>"})
	if err != nil {
		t.Fatal(err)
	}
	r := s.wait(t)
	if !r.secure || r.user != "mailer" || !strings.Contains(r.from, "deadbolt@acme.test") || !strings.Contains(r.to, "alice@acme.test") {
		t.Fatalf("received %+v", r)
	}
	msg, ps := parts(t, r.data)
	if ps["text/plain"] != "plain body" || ps["text/html"] != "<p>html body</p>" {
		t.Fatalf("parts %q", ps)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Grüße Bcc: evil@example.com" || msg.Header.Get("Bcc") != "" {
		t.Fatalf("subject %q, headers %v", subject, msg.Header)
	}
}

func TestRefusesWithoutSTARTTLS(t *testing.T) {
	s, pool := newSink(t, false)
	err := s.sender(pool).Send(t.Context(), dmail.Message{To: "alice@acme.test", Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sending without STARTTLS: %v", err)
	}
	select {
	case r := <-s.seen:
		t.Fatalf("mail went out in the clear: %+v", r)
	default:
	}
	// A local relay without TLS is allowed when asked for.
	snd := s.sender(pool)
	snd.TLS, snd.Username = dmail.TLSNone, ""
	if err := snd.Send(t.Context(), dmail.Message{To: "alice@acme.test", Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if r := s.wait(t); r.secure {
		t.Fatal("TLS none used TLS")
	}
}

func TestCheck(t *testing.T) {
	for _, s := range []dmail.Sender{
		{Addr: "smtp.example.com", From: "a@example.com"},
		{Addr: "smtp.example.com:587", From: "not an address"},
		{Addr: "smtp.example.com:587", From: "a@example.com", TLS: "ssl"},
	} {
		if err := s.Check(); err == nil {
			t.Errorf("%+v passed Check", s)
		}
	}
}

type members map[string]store.Member

func (m members) Member(_ context.Context, id string) (store.Member, error) {
	if v, ok := m[id]; ok {
		return v, nil
	}
	return store.Member{}, store.ErrNotFound
}

func TestNotifier(t *testing.T) {
	s, pool := newSink(t, true)
	s.failData = 1 // the first attempt fails; the retry delivers
	n := &dmail.Notifier{Sender: s.sender(pool), PortalURL: "https://lock.acme.test", Backoff: []time.Duration{10 * time.Millisecond},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Members: members{
			"m1": {ID: "m1", Email: "alice@acme.test", Name: "Alice"},
			"m2": {ID: "m2", Email: "bob@acme.test", Channels: []string{}},
			"m3": {ID: "m3", Email: "carol@acme.test", Channels: []string{store.ChannelPush, store.ChannelEmail}},
		}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	q := store.UnlockRequest{ID: "r1", IP: "203.0.113.7", Device: "Firefox <script>", Location: "Madrid", IntegrationType: "cognito",
		UpdatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
	app := store.Application{Name: "Wiki", Issuer: "https://wiki.acme.test"}
	n.Notify(dmail.RequestRaised{OwnerID: "m2", App: app, Account: "bob", Request: q}) // chose no mail
	n.Notify(dmail.RequestRaised{OwnerID: "m1", App: app, Account: "alice", Request: q})
	r := s.wait(t)
	if !strings.Contains(r.to, "alice@acme.test") {
		t.Fatalf("mail to %s, want alice (bob chose none)", r.to)
	}
	msg, ps := parts(t, r.data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Sign-in request: alice at Wiki" {
		t.Fatalf("subject %q", subject)
	}
	for _, want := range []string{"203.0.113.7", "Madrid", "cognito", "https://lock.acme.test/", "expires at 09:05:00 UTC"} {
		if !strings.Contains(ps["text/plain"], want) {
			t.Errorf("text part lacks %q:\n%s", want, ps["text/plain"])
		}
	}
	if !strings.Contains(ps["text/html"], "Firefox &lt;script&gt;") || strings.Contains(ps["text/html"], "<script>") {
		t.Errorf("HTML part does not escape the device:\n%s", ps["text/html"])
	}
	n.Notify(dmail.RequestRaised{OwnerID: "m3", App: app, Account: "carol", Request: q})
	if r := s.wait(t); !strings.Contains(r.to, "carol@acme.test") {
		t.Fatalf("mail to %s, want carol", r.to)
	}
}

package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options choose what the server offers. The zero value is a plain relay:
// no TLS, no authentication, as a local relay that deadbolt reaches with
// the TLS mode "none".
type Options struct {
	// StartTLS offers STARTTLS.
	StartTLS bool
	// Password, when set, is the password AUTH PLAIN accepts (for any
	// user); the server offers AUTH only over TLS.
	Password string
}

// Message is one mail the server accepted.
type Message struct {
	From, To string // the MAIL FROM and RCPT TO arguments
	Data     string // the message as sent after DATA
	User     string // who authenticated; empty when nobody did
	Secure   bool   // whether it came over TLS
}

// Server is a running SMTP server. It stops when its test ends.
type Server struct {
	// Addr is the host:port it listens on (on 127.0.0.1).
	Addr string
	// RootCAs trusts the certificate it presents after STARTTLS.
	RootCAs *x509.CertPool

	opts Options
	tls  *tls.Config
	got  chan Message

	mu   sync.Mutex
	fail int
}

// New starts a server for the test t.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &Server{Addr: ln.Addr().String(), RootCAs: x509.NewCertPool(), opts: opts, got: make(chan Message, 100),
		tls: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	s.RootCAs.AddCert(cert)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// FailNext makes the server answer the next n DATA commands with "451 try
// again later", a temporary failure; it accepts mail again after them.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Received delivers every accepted message, in order.
func (s *Server) Received() <-chan Message { return s.got }

// Wait returns the next accepted message, failing t when none arrives
// within 15 seconds.
func (s *Server) Wait(t testing.TB) Message {
	t.Helper()
	select {
	case m := <-s.got:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("smtptest: no mail arrived")
		return Message{}
	}
}

func (s *Server) serve(c net.Conn) {
	defer func() { c.Close() }()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 smtptest ESMTP")
	var m Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tp.PrintfLine("250-smtptest")
			if s.opts.StartTLS && !m.Secure {
				tp.PrintfLine("250-STARTTLS")
			}
			if s.opts.Password != "" && m.Secure {
				tp.PrintfLine("250-AUTH PLAIN")
			}
			tp.PrintfLine("250 8BITMIME")
		case "STARTTLS":
			if !s.opts.StartTLS || m.Secure {
				tp.PrintfLine("502 not offered")
				continue
			}
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, tp, m.Secure = tc, textproto.NewConn(tc), true
		case "AUTH":
			mech, b64, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(b64)
			parts := strings.Split(string(raw), "\x00")
			if s.opts.Password == "" || !m.Secure || mech != "PLAIN" || len(parts) != 3 || parts[2] != s.opts.Password {
				tp.PrintfLine("535 authentication failed")
				continue
			}
			m.User = parts[1]
			tp.PrintfLine("235 ok")
		case "MAIL":
			m.From = arg
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.To = arg
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			fail := s.fail > 0
			if fail {
				s.fail--
			}
			s.mu.Unlock()
			if fail {
				tp.PrintfLine("451 try again later")
				continue
			}
			m.Data = string(data)
			s.got <- m
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// TLS modes of a Sender.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS; refuse if the server cannot
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no TLS at all: only for a relay on the same host
)

// ErrConfig: the SMTP settings cannot work (no server, bad from-address).
var ErrConfig = errors.New("mail: bad configuration")

// Sender delivers messages to one SMTP server. It is safe for concurrent
// use: each Send opens its own connection.
type Sender struct {
	Addr     string // host:port of the SMTP server
	From     string // the From address, e.g. "deadbolt <deadbolt@acme.com>"
	Username string // for SMTP AUTH PLAIN; empty for none
	Password string
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	// TLSConfig overrides the TLS settings (tests trust their own CA
	// here); nil verifies the server against the system roots.
	TLSConfig *tls.Config
	Timeout   time.Duration // per send; default 30 s
}

// Message is one email.
type Message struct {
	To      string
	Subject string
	Text    string // the plain-text part
	HTML    string // the HTML part; empty for text only
}

// Check reports what is wrong with the settings.
func (s *Sender) Check() error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil || host == "" {
		return fmt.Errorf("%w: SMTP server %q is not host:port", ErrConfig, s.Addr)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("%w: from-address %q: %v", ErrConfig, s.From, err)
	}
	switch s.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("%w: TLS mode %q is not starttls, tls or none", ErrConfig, s.TLS)
	}
	return nil
}

// Send delivers m. It never sends credentials or mail over a connection
// that STARTTLS was required for but could not secure.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if err := s.Check(); err != nil {
		return err
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	from, _ := mail.ParseAddress(s.From)
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(s.Addr)
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConfig = tlsConfig.Clone()
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if s.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("mail: TLS with %s: %w", s.Addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %s: %w", s.Addr, err)
	}
	defer c.Close()
	if err := c.Hello("deadbolt"); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if s.TLS == "" || s.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mail: %s does not offer STARTTLS; refusing to send in the clear (set TLS to none only for a local relay)", s.Addr)
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", s.Addr, err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("mail: AUTH as %s: %w", s.Username, err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("mail: RCPT TO %s: %w", to.Address, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(Compose(s.From, m, time.Now())); err != nil {
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: message refused: %w", err)
	}
	return c.Quit()
}

// Compose builds the RFC 5322 message: headers, then a multipart/
// alternative body with the text part first and the HTML part second
// (quoted-printable, UTF-8). Header values lose any line breaks, so a value
// taken from a request cannot add headers.
func Compose(from string, m Message, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, oneLine(v)) }
	header("From", from)
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+randomHex(16)+"@deadbolt>")
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, m.Text)
		return b.Bytes()
	}
	boundary := "deadbolt-" + randomHex(12)
	header("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ ctype, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.ctype)
		writeQP(&b, part.body)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

func writeQP(b *bytes.Buffer, s string) {
	w := quotedprintable.NewWriter(b)
	w.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")))
	w.Close()
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

package siem

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Facility 13 (log audit); audit events are of severity 5 (notice), check
// decisions of severity 6 (informational).
const (
	priAudit = 13*8 + 5
	priCheck = 13*8 + 6
)

// SDID names deadbolt's structured-data element. 32473 is the private
// enterprise number RFC 5612 sets aside for documentation and examples.
const SDID = "deadbolt@32473"

// Format renders r as an RFC 5424 message from host: the header (PRI,
// version 1, the record's time in UTC to the microsecond, host, app name
// "deadbolt", no proc ID, the action as MSGID), a structured-data
// element with the tenant, seq, actor, target and hash, and the record as
// JSON for the message.
func Format(r audit.Record, host string) ([]byte, error) {
	e, err := auditEvent(r)
	if err != nil {
		return nil, err
	}
	return e.format(host), nil
}

// format renders e as an RFC 5424 message from host.
func (e event) format(host string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<%d>1 %s %s deadbolt - %s [%s", e.pri,
		e.at.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), headerField(host, 255), headerField(e.msgID, 32), SDID)
	for _, p := range e.params {
		fmt.Fprintf(&b, " %s=\"%s\"", p[0], paramValue(p[1]))
	}
	b.WriteString("] ")
	b.Write(e.body)
	return []byte(b.String())
}

// Frame prefixes msg with its length in octets and a space, the octet
// counting framing of RFC 6587.
func Frame(msg []byte) []byte {
	return append([]byte(strconv.Itoa(len(msg))+" "), msg...)
}

// headerField keeps the printable US-ASCII of s (others become '_'), at
// most max of them; empty is the nil value "-".
func headerField(s string, max int) string {
	b := []byte(s)
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// paramValue escapes '"', '\' and ']' in a PARAM-VALUE.
func paramValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(s)
}

// Syslog delivers records to a syslog receiver, a batch on one
// connection: it writes the framed messages in order, closes its sending
// half and waits for the receiver to close, so that a batch is reported
// delivered only once the receiver has read every message of it. Syslog
// has no acknowledgement of its own: if anything fails on the way — the
// dial, a write, the receiver's close — no message of the batch is known
// to have arrived, and every one is reported failed (and sent again).
type Syslog struct {
	// Address is host:port.
	Address string
	// TLS, when set, wraps the connection (ServerName defaults to the host).
	TLS *tls.Config
	// Host is the HOSTNAME of the messages.
	Host   string
	Egress egress.Policy
}

// Deliver implements notify.Carrier: a batch of one.
func (s *Syslog) Deliver(ctx context.Context, m store.OutboxMessage) error {
	return s.DeliverBatch(ctx, []store.OutboxMessage{m})[0]
}

// DeliverBatch implements notify.BatchCarrier. A message that cannot be
// read is given up (notify.ErrPermanent) and left out; the others go out
// in order on one connection, and share its outcome.
func (s *Syslog) DeliverBatch(ctx context.Context, msgs []store.OutboxMessage) []error {
	errs := make([]error, len(msgs))
	var frames bytes.Buffer
	var sent []int
	for i, m := range msgs {
		e, err := decode(m)
		if err != nil {
			errs[i] = err
			continue
		}
		frames.Write(Frame(e.format(s.Host)))
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		return errs
	}
	if err := s.send(ctx, frames.Bytes()); err != nil {
		for _, i := range sent {
			errs[i] = err
		}
	}
	return errs
}

// send writes frames on a new connection and returns once the receiver
// has closed it, within 15 seconds.
func (s *Syslog) send(ctx context.Context, frames []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := s.Egress.Dial(ctx, "tcp", s.Address)
	if err != nil {
		return egress.Classify(err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	type halfCloser interface{ CloseWrite() error }
	var c interface {
		io.ReadWriter
		halfCloser
	}
	switch {
	case s.TLS != nil:
		cfg := s.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(s.Address)
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("siem: tls: %w", err)
		}
		c = tc
	default:
		tc, ok := conn.(*net.TCPConn)
		if !ok {
			return errors.New("siem: not a TCP connection")
		}
		c = tc
	}
	if _, err := c.Write(frames); err != nil {
		return egress.Classify(err)
	}
	if err := c.CloseWrite(); err != nil {
		return egress.Classify(err)
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(c, 64<<10)); err != nil {
		return egress.Classify(err)
	}
	return nil
}

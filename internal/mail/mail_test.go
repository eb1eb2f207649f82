package mail_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	dmail "github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func sender(s *smtptest.Server) *dmail.Sender {
	return &dmail.Sender{Addr: s.Addr, From: "deadbolt <deadbolt@acme.test>", Username: "mailer", Password: "s3cret",
		TLSConfig: &tls.Config{RootCAs: s.RootCAs}, Timeout: 5 * time.Second}
}

// aliceNotifier is a real SMTP server (STARTTLS, AUTH) and a Notifier
// sending through it to one member, m1, alice@acme.test.
func aliceNotifier(t *testing.T) (*smtptest.Server, *dmail.Notifier) {
	s := smtptest.New(t, smtptest.Options{StartTLS: true, Password: "s3cret"})
	return s, &dmail.Notifier{Sender: sender(s), PortalURL: "https://lock.acme.test",
		Members: members{"m1": {ID: "m1", Email: "alice@acme.test", Name: "Alice"}}}
}

// deliverToAlice delivers a notice of type typ with payload to m1 through
// n, and returns the outbox message, the mail s received and that mail
// parsed.
func deliverToAlice(t *testing.T, s *smtptest.Server, n *dmail.Notifier, typ string, payload any) (store.OutboxMessage, smtptest.Message, *mail.Message) {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	m := store.OutboxMessage{ID: "o1", TenantID: "t1", Channel: store.ChannelEmail, MemberID: "m1", Type: typ, Payload: raw}
	if err := n.Deliver(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	r := s.Wait(t)
	msg, err := mail.ReadMessage(strings.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	return m, r, msg
}

// wantPermanentOnBadPayload: n gives up at once (notify.ErrPermanent) on
// m with a payload that is not JSON, for retrying cannot mend it.
func wantPermanentOnBadPayload(t *testing.T, n *dmail.Notifier, m store.OutboxMessage) {
	t.Helper()
	m.Payload = []byte("{")
	if err := n.Deliver(t.Context(), m); !errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("Deliver of a bad %s payload: %v, want ErrPermanent", m.Type, err)
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
	s := smtptest.New(t, smtptest.Options{StartTLS: true, Password: "s3cret"})
	err := sender(s).Send(t.Context(), dmail.Message{To: "Alice <alice@acme.test>", Subject: "Grüße\r\nBcc: evil@example.com",
		Text: "plain body", HTML: "<p>html body</p>"})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Wait(t)
	if !r.Secure || r.User != "mailer" || !strings.Contains(r.From, "deadbolt@acme.test") || !strings.Contains(r.To, "alice@acme.test") {
		t.Fatalf("received %+v", r)
	}
	msg, ps := parts(t, r.Data)
	if ps["text/plain"] != "plain body" || ps["text/html"] != "<p>html body</p>" {
		t.Fatalf("parts %q", ps)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Grüße Bcc: evil@example.com" || msg.Header.Get("Bcc") != "" {
		t.Fatalf("subject %q, headers %v", subject, msg.Header)
	}
}

func TestRefusesWithoutSTARTTLS(t *testing.T) {
	s := smtptest.New(t, smtptest.Options{})
	err := sender(s).Send(t.Context(), dmail.Message{To: "alice@acme.test", Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sending without STARTTLS: %v", err)
	}
	select {
	case r := <-s.Received():
		t.Fatalf("mail went out in the clear: %+v", r)
	default:
	}
	// A local relay without TLS is allowed when asked for.
	snd := sender(s)
	snd.TLS, snd.Username = dmail.TLSNone, ""
	if err := snd.Send(t.Context(), dmail.Message{To: "alice@acme.test", Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if r := s.Wait(t); r.Secure {
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

// TestNotifier: the carrier writes the mail from the notice and sends it
// to the member; one attempt per call, failures returned for the outbox to
// retry.
func TestNotifier(t *testing.T) {
	s, n := aliceNotifier(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	notice := notify.Notice{Request: "req-7f3a9c", Application: "Wiki", Account: "alice", IP: "203.0.113.7", Device: "Firefox <script>",
		Location: "Madrid", Via: "cognito", At: now, Expires: now.Add(5 * time.Minute)}
	payload, _ := json.Marshal(notice)
	m := store.OutboxMessage{ID: "o1", TenantID: "t1", Channel: store.ChannelEmail, MemberID: "m1", Type: notify.TypeRequestRaised, Payload: payload}

	// The server refuses for now: the error is returned, nothing was sent.
	s.FailNext(1)
	if err := n.Deliver(t.Context(), m); err == nil || errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "451") {
		t.Fatalf("Deliver to a failing server: %v, want a retryable error naming the 451", err)
	}
	if err := n.Deliver(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	r := s.Wait(t)
	if !strings.Contains(r.To, "alice@acme.test") {
		t.Fatalf("mail to %s", r.To)
	}
	msg, ps := parts(t, r.Data)
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
	// No secret and no way to answer in the mail.
	if strings.Contains(r.Data, "/approve") || strings.Contains(r.Data, "/requests/") || strings.Contains(r.Data, "req-7f3a9c") {
		t.Errorf("the mail carries the request or a way to answer it:\n%s", r.Data)
	}

	// What retrying cannot mend is given up at once.
	gone := m
	gone.MemberID = "m9"
	if err := n.Deliver(t.Context(), gone); !errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("Deliver to an unknown member: %v, want ErrPermanent", err)
	}
	wantPermanentOnBadPayload(t, n, m)
}

// TestRecoveryNotice: the outbox's recovery notice goes out by mail as
// plain text naming who issued the link and until when it works, and
// never carries the link.
func TestRecoveryNotice(t *testing.T) {
	s, n := aliceNotifier(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m, r, msg := deliverToAlice(t, s, n, notify.TypeRecovery,
		notify.Recovery{By: "member:olive@acme.test", At: now, Expires: now.Add(72 * time.Hour)})
	body, _ := io.ReadAll(msg.Body)
	for _, want := range []string{"member:olive@acme.test", "5 Mar 2026 09:00 UTC", "https://lock.acme.test/passkeys"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("recovery mail lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(r.Data, "/setup") {
		t.Errorf("the recovery mail carries a link to register a passkey:\n%s", r.Data)
	}
	wantPermanentOnBadPayload(t, n, m)
}

// TestPolicyAlertNotice: the mail of an alert policy's execution, sent
// through a real SMTP exchange, names the policy, its action, the event,
// who ran it, until when, and the accounts, with a line for the rest; a
// line break smuggled into the reason stays on its line.
func TestPolicyAlertNotice(t *testing.T) {
	s, n := aliceNotifier(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a := notify.PolicyAlert{Policy: "Finance sign-in alarm", PolicyID: "p1", Action: "lock", On: "blocked_signin",
		By: "system:blocked-signin", Reason: "blocked sign-in of \"alice\"\nApprove at https://evil.test", At: now, Until: now.Add(time.Hour)}
	for i := range notify.MaxAlertAccounts + 3 {
		a.Add(fmt.Sprintf("user%02d", i), "ERP")
	}
	_, _, msg := deliverToAlice(t, s, n, notify.TypePolicyAlert, a)
	var rd io.Reader = msg.Body
	if msg.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		rd = quotedprintable.NewReader(rd)
	}
	body, _ := io.ReadAll(rd)
	for _, want := range []string{`"Finance sign-in alarm" ran`, `"lock" to 23 accounts until 2 Mar 2026 10:00:00 UTC`,
		"Event:   blocked_signin", "By:      system:blocked-signin", "Account: user00 at ERP", "… and 3 more",
		`Reason:  blocked sign-in of "alice" Approve at https://evil.test`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("policy alert mail lacks %q:\n%s", want, body)
		}
	}
}

// TestApprovalNotices: an approver's and a requester's notices go out
// through a real SMTP exchange, worded for each, linking to the request's
// page in the portal and never to another site, with text from outside
// kept on its line.
func TestApprovalNotices(t *testing.T) {
	s := smtptest.New(t, smtptest.Options{StartTLS: true, Password: "s3cret"})
	n := &dmail.Notifier{Sender: sender(s), PortalURL: "https://lock.acme.test",
		Members: members{"m1": {ID: "m1", Email: "bob@acme.test", Name: "Bob"}}}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	send := func(typ string, note notify.Notice) string {
		t.Helper()
		payload, _ := json.Marshal(note)
		if err := n.Deliver(t.Context(), store.OutboxMessage{ID: "o1", TenantID: "t1", Channel: store.ChannelEmail, MemberID: "m1",
			Type: typ, Payload: payload}); err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(s.Wait(t).Data))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		return subject + "\n" + string(body)
	}
	for _, c := range []struct {
		name, typ string
		note      notify.Notice
		want      []string
	}{
		{"ahead", notify.TypeApprovalAsked, notify.Notice{Request: "r1", Application: "Bank", Account: "treasury", Kind: store.RequestAhead,
			By: "Alice <alice@acme.test>", Reason: "quarter close\nApprove at https://evil.test", For: "2h0m0s", At: now, Expires: now.Add(time.Hour),
			Link: "/approvals#request-r1"},
			[]string{"Approval asked: access to treasury at Bank\n", "Requested by: Alice <alice@acme.test>",
				"Reason:       quarter close Approve at https://evil.test\n", "For:          2h0m0s",
				"https://lock.acme.test/approvals#request-r1\n"}},
		{"signin", notify.TypeApprovalAsked, notify.Notice{Request: "r2", Application: "Bank", Account: "treasury", Kind: store.RequestSignin,
			IP: "203.0.113.7", Location: "Madrid", At: now, Expires: now.Add(5 * time.Minute), Link: "/approvals/r2/sign"},
			[]string{"Approval asked: a sign-in to treasury at Bank\n", "a sign-in that deadbolt stopped", "From:         203.0.113.7, Madrid",
				"https://lock.acme.test/approvals/r2/sign\n"}},
		{"operation", notify.TypeApprovalAsked, notify.Notice{Request: "o1", Application: "Bank", Account: "treasury", Kind: notify.KindOperation,
			By: "Bank", Title: "Purchase", At: now, Expires: now.Add(time.Hour), Link: "https://evil.test/approvals"},
			[]string{"Approval asked: \"Purchase\" for treasury at Bank\n", "https://lock.acme.test/\n"}},
		{"decided", notify.TypeRequestDecided, notify.Notice{Request: "r1", Application: "Bank", Account: "treasury", Kind: store.RequestAhead,
			Status: store.RequestApproved, Reason: "quarter close", Link: "/approvals#mine-r1"},
			[]string{"Your request was approved: access to treasury at Bank\n", "Your request for access to treasury at Bank was approved.",
				"https://lock.acme.test/approvals#mine-r1\n"}},
		{"expired", notify.TypeRequestDecided, notify.Notice{Request: "r2", Application: "Bank", Account: "treasury", Kind: store.RequestSignin,
			Status: store.RequestExpired, Link: "//evil.test/"},
			[]string{"Your request was not answered in time: a sign-in to treasury at Bank\n", "https://lock.acme.test/\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := send(c.typ, c.note)
			for _, want := range c.want {
				if !strings.Contains(got, want) {
					t.Errorf("mail lacks %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, "evil.test/") && !strings.Contains(c.note.Reason, "evil") {
				t.Errorf("the mail links to another site:\n%s", got)
			}
		})
	}
}

package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Members reads the member to notify.
type Members interface {
	Member(ctx context.Context, id string) (store.Member, error)
}

// Notifier is the email carrier of the outbox (notify.Carrier): it writes
// the mail about a notice and sends it to the member the message is for.
// Retries, and what admins see of failures, are the outbox's. It is safe
// for concurrent use.
type Notifier struct {
	Sender    *Sender
	Members   Members
	PortalURL string
}

var _ notify.Carrier = (*Notifier)(nil)

// Deliver implements notify.Carrier: one attempt to send m's mail: a
// notice of a request (to its owner, to an approver, or of its outcome to
// its requester), a recovery notice, or the verification of the member's
// email.
func (n *Notifier) Deliver(ctx context.Context, m store.OutboxMessage) error {
	member, err := n.Members.Member(ctx, m.MemberID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: member %s: %v", notify.ErrPermanent, m.MemberID, err)
	}
	if err != nil {
		return err
	}
	msg, err := notify.Word(m, notify.Wording[Message]{
		Raised:      mailAs(RequestMessage, member, n.PortalURL),
		Asked:       mailAs(AskMessage, member, n.PortalURL),
		Decided:     mailAs(DecidedMessage, member, n.PortalURL),
		Recovery:    mailAs(RecoveryMessage, member, n.PortalURL),
		BreakGlass:  mailAs(BreakGlassMessage, member, n.PortalURL),
		PolicyAlert: mailAs(PolicyAlertMessage, member, n.PortalURL),
		Verify:      func(v notify.Verification) (Message, error) { return VerifyMessage(member, v) },
	})
	if err != nil {
		return err
	}
	return n.Sender.Send(ctx, msg)
}

// mailAs is compose, as a notify.Wording of a notice to member m about the
// portal at portalURL.
func mailAs[N any](compose func(store.Member, N, string) (Message, error), m store.Member, portalURL string) func(N) (Message, error) {
	return func(n N) (Message, error) { return compose(m, n, portalURL) }
}

var recoveryText = texttemplate.Must(texttemplate.New("recovery").Parse(`Hello {{.Name}},

{{.By}} issued a recovery link for your deadbolt account on {{.When}}. Whoever opens it before {{.Expires}} can register a new passkey and sign in as you.

If you asked for it, there is nothing to do. If you did not, tell your organisation's owners at once, and check the passkeys of your account:
{{.Portal}}

deadbolt never asks for passwords or codes by email.
`))

// RecoveryMessage composes the email that tells member m a recovery link
// was issued for them. It is plain text only and never carries the link.
func RecoveryMessage(m store.Member, r notify.Recovery, portalURL string) (Message, error) {
	name := greeting(m)
	var text bytes.Buffer
	err := recoveryText.Execute(&text, map[string]string{"Name": name, "By": r.By,
		"When": r.At.UTC().Format("2 Jan 2006 15:04 UTC"), "Expires": r.Expires.UTC().Format("2 Jan 2006 15:04 UTC"),
		"Portal": portalURL + "/passkeys"})
	if err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: "A recovery link was issued for your deadbolt account", Text: text.String()}, nil
}

var breakGlassText = texttemplate.Must(texttemplate.New("breakglass").Parse(`Hello {{.Name}},

{{.Account}} at {{.App}} was opened by break-glass, without approvals.

  By:      {{.By}}
  When:    {{.When}}
{{- if .Until}}
  Until:   {{.Until}}{{end}}
{{- if .Reason}}
  Reason:  {{.Reason}}{{end}}
{{- if .Offline}}
  How:     a one-time offline code, used while the device could not reach deadbolt, reported now{{end}}

Every admin of your organisation gets this alert. If nobody should have broken the glass, lock the account and look at the audit log:
{{.Portal}}

deadbolt never asks for passwords or codes by email.
`))

// BreakGlassMessage composes the email that tells admin m an account was
// opened by break-glass. It is plain text only and never carries a code.
func BreakGlassMessage(m store.Member, b notify.BreakGlass, portalURL string) (Message, error) {
	name := greeting(m)
	v := map[string]any{"Name": name, "Account": b.Account, "App": b.Application, "By": b.By, "Reason": b.Reason,
		"Offline": b.Offline, "When": b.At.UTC().Format("2 Jan 2006 15:04:05 UTC"), "Until": "", "Portal": portalURL + "/"}
	if !b.Until.IsZero() {
		v["Until"] = b.Until.UTC().Format("2 Jan 2006 15:04:05 UTC")
	}
	var text bytes.Buffer
	if err := breakGlassText.Execute(&text, v); err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: fmt.Sprintf("Break-glass: %s at %s was opened", b.Account, b.Application),
		Text: text.String()}, nil
}

var policyAlertText = texttemplate.Must(texttemplate.New("policyalert").Parse(`Hello {{.Name}},

{{if .Lifted}}The alert policy "{{.Policy}}" was lifted: its {{.Action}} no longer applies.{{else}}The alert policy "{{.Policy}}" ran: it applies "{{.Action}}" to {{.Count}} account{{if ne .Count 1}}s{{end}}{{if .Until}} until {{.Until}}{{else}} until it is lifted{{end}}.{{end}}

  Event:   {{.On}}
  By:      {{.By}}
  When:    {{.When}}
{{- if .Reason}}
  Reason:  {{.Reason}}{{end}}
{{- range .Accounts}}
  Account: {{.}}{{end}}
{{- if .More}}
  … and {{.More}} more{{end}}

The portal shows which policy holds each account, and the audit log shows who ran it:
{{.Portal}}

deadbolt never asks for passwords or codes by email.
`))

// PolicyAlertMessage composes the email that tells member m an alert
// policy ran or was lifted. It is plain text only.
func PolicyAlertMessage(m store.Member, a notify.PolicyAlert, portalURL string) (Message, error) {
	name := greeting(m)
	on := a.On
	if a.Lifted {
		on = "lifted"
	}
	v := map[string]any{"Name": name, "Policy": a.Policy, "Action": a.Action, "Lifted": a.Lifted, "Count": a.Count,
		"Until": "", "On": on, "By": a.By, "Reason": a.Reason, "When": a.At.UTC().Format("2 Jan 2006 15:04:05 UTC"),
		"Accounts": a.Accounts, "More": a.More, "Portal": portalURL + "/"}
	if !a.Until.IsZero() {
		v["Until"] = a.Until.UTC().Format("2 Jan 2006 15:04:05 UTC")
	}
	var text bytes.Buffer
	if err := policyAlertText.Execute(&text, v); err != nil {
		return Message{}, err
	}
	subject := fmt.Sprintf("Alert policy %q ran: %s", a.Policy, a.Action)
	if a.Lifted {
		subject = fmt.Sprintf("Alert policy %q was lifted", a.Policy)
	}
	return Message{To: m.Email, Subject: subject, Text: text.String()}, nil
}

type requestView struct {
	Name, Account, App, IP, Device, Location, Via, When, Expires, Portal string
}

var (
	requestText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

Someone is trying to sign in as {{.Account}} at {{.App}}. The account is locked, so deadbolt stopped them and asks you first.

  From:      {{.IP}}
  Device:    {{.Device}}
  Location:  {{.Location}}
  Via:       {{.Via}}
  When:      {{.When}}

If this is you, open deadbolt, approve the request, and sign in again:
{{.Portal}}

If it is not you, deny it there (or ignore this mail: the request expires at {{.Expires}} and the account stays locked).

deadbolt never asks for passwords or codes by email.
`))
	requestHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b2230;line-height:1.5">
<p>Hello {{.Name}},</p>
<p>Someone is trying to sign in as <strong>{{.Account}}</strong> at <strong>{{.App}}</strong>. The account is locked, so deadbolt stopped them and asks you first.</p>
<table style="border-collapse:collapse">
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">From</td><td>{{.IP}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">Device</td><td>{{.Device}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">Location</td><td>{{.Location}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">Via</td><td>{{.Via}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">When</td><td>{{.When}}</td></tr>
</table>
<p>If this is you, open deadbolt, approve the request, and sign in again:</p>
<p><a href="{{.Portal}}" style="display:inline-block;background:#2f6fde;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Open deadbolt</a></p>
<p>If it is not you, deny it there (or ignore this mail: the request expires at {{.Expires}} and the account stays locked).</p>
<p style="color:#5b6474;font-size:13px">deadbolt never asks for passwords or codes by email.</p>
</body></html>
`))
)

type verifyView struct {
	Name, Link, Expires, Via string
}

var (
	verifyText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

Someone registered with deadbolt under this email address{{with .Via}} ({{.}}){{end}}. If that was you, confirm the address: open this link in the browser where you registered, signed in with your passkey:

{{.Link}}

The link works once, until {{.Expires}}. Until the address is confirmed, deadbolt gives this registration only the account it protected, and nothing that names this address.

If it was not you, ignore this mail: without the link, nobody can claim this address.
`))
	verifyHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b2230;line-height:1.5">
<p>Hello {{.Name}},</p>
<p>Someone registered with deadbolt under this email address{{with .Via}} ({{.}}){{end}}. If that was you, confirm the address: open this link in the browser where you registered, signed in with your passkey.</p>
<p><a href="{{.Link}}" style="display:inline-block;background:#2f6fde;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Confirm my email</a></p>
<p>The link works once, until {{.Expires}}. Until the address is confirmed, deadbolt gives this registration only the account it protected, and nothing that names this address.</p>
<p>If it was not you, ignore this mail: without the link, nobody can claim this address.</p>
</body></html>
`))
)

// VerifyMessage composes the mail that asks member m to confirm their
// email with verification v.
func VerifyMessage(m store.Member, v notify.Verification) (Message, error) {
	view := verifyView{Name: notify.Line(m.Name, 100), Link: v.Link, Expires: v.Expires.UTC().Format("2 Jan 2006 15:04 UTC")}
	if view.Name == "" {
		view.Name = m.Email
	}
	if v.Account != "" && v.Application != "" {
		view.Via = "to protect " + v.Account + " at " + v.Application
	}
	var text, html bytes.Buffer
	if err := verifyText.Execute(&text, view); err != nil {
		return Message{}, err
	}
	if err := verifyHTML.Execute(&html, view); err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: "Confirm your email for deadbolt", Text: text.String(), HTML: html.String()}, nil
}

// RequestMessage composes the email to member m about notice n.
func RequestMessage(m store.Member, n notify.Notice, portalURL string) (Message, error) {
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	v := requestView{
		Name: or(m.Name, m.Email), Account: n.Account, App: n.Application,
		IP: or(n.IP, "not given"), Device: or(n.Device, "not given"),
		Location: or(n.Location, "not given"), Via: or(n.Via, "API"),
		When:    n.At.UTC().Format("2 Jan 2006 15:04:05 UTC"),
		Expires: n.Expires.UTC().Format("15:04:05 UTC"), Portal: portalURL + "/",
	}
	var text, html bytes.Buffer
	if err := requestText.Execute(&text, v); err != nil {
		return Message{}, err
	}
	if err := requestHTML.Execute(&html, v); err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: fmt.Sprintf("Sign-in request: %s at %s", v.Account, v.App),
		Text: text.String(), HTML: html.String()}, nil
}

// greeting is how a mail addresses member m: by name, else by email.
func greeting(m store.Member) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}

package mail

import (
	"bytes"
	"strings"
	texttemplate "text/template"

	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The mails of requests that approvers decide: an approver is asked to
// vote (notify.TypeApprovalAsked), a requester hears the outcome
// (notify.TypeRequestDecided). Both are plain text, carry no secret and no
// way to answer, and link to the request's page in the portal, where
// answering takes a passkey.

var askText = texttemplate.Must(texttemplate.New("ask").Parse(`Hello {{.Name}},

Your approval is asked for {{.What}}.

  Requested by: {{.By}}
{{- if .Reason}}
  Reason:       {{.Reason}}{{end}}
{{- if .For}}
  For:          {{.For}}{{end}}
{{- if .From}}
  From:         {{.From}}{{end}}
  Asked:        {{.When}}
  Expires:      {{.Expires}}

Open the request in deadbolt to approve or deny it:
{{.Link}}

If nobody answers, the request expires and nothing opens.

deadbolt never asks for passwords or codes by email.
`))

var decidedText = texttemplate.Must(texttemplate.New("decided").Parse(`Hello {{.Name}},

Your request for {{.What}} was {{.Outcome}}.
{{- if .Reason}}

  Reason you gave: {{.Reason}}{{end}}

The portal shows its votes:
{{.Link}}

deadbolt never asks for passwords or codes by email.
`))

// AskMessage composes the mail that asks approver m to vote on the
// request of notice n.
func AskMessage(m store.Member, n notify.Notice, portalURL string) (Message, error) {
	by := n.By
	if by == "" {
		by = "a sign-in that deadbolt stopped"
	}
	var from []string
	for _, s := range []string{n.IP, n.Location, n.Device} {
		if s != "" {
			from = append(from, s)
		}
	}
	v := map[string]any{"Name": notify.Line(greeting(m), 100), "What": n.What(), "By": by, "Reason": n.Reason, "For": n.For,
		"From": strings.Join(from, ", "), "When": n.At.UTC().Format("2 Jan 2006 15:04:05 UTC"),
		"Expires": n.Expires.UTC().Format("2 Jan 2006 15:04:05 UTC"), "Link": portalURL + n.Link}
	var text bytes.Buffer
	if err := askText.Execute(&text, v); err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: notify.Line("Approval asked: "+n.What(), 200), Text: text.String()}, nil
}

// DecidedMessage composes the mail that tells requester m the outcome of
// the request of notice n.
func DecidedMessage(m store.Member, n notify.Notice, portalURL string) (Message, error) {
	v := map[string]any{"Name": notify.Line(greeting(m), 100), "What": n.What(), "Outcome": n.Outcome(), "Reason": n.Reason,
		"Link": portalURL + n.Link}
	var text bytes.Buffer
	if err := decidedText.Execute(&text, v); err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: notify.Line("Your request was "+n.Outcome()+": "+n.What(), 200), Text: text.String()}, nil
}

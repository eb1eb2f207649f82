package portal

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
)

// Forms that are refused for their content (the groups and policies
// pages) are shown again, as they were filled in, with status 400: a
// summary of the problems at the top (role="alert", each linking to its
// field) and each problem under its field, which says aria-invalid and
// points to it with aria-describedby. Nothing was changed.

// formErrors are the problems of a submitted form, by field name (the
// validation's name, e.g. "schedule.zone", whose input has the id
// "f-schedule.zone"); "" holds those of no one field.
type formErrors map[string]string

func (e formErrors) add(field, msg string) {
	if e[field] != "" {
		msg = e[field] + "; " + msg
	}
	e[field] = msg
}

// fieldProblem is one field's problem as a page shows it.
type fieldProblem struct {
	ID      string // of the element that says it
	Message string
}

// fieldError is the template function err: the problem of field in
// errs, or nil.
func fieldError(errs formErrors, field string) *fieldProblem {
	if msg := errs[field]; msg != "" {
		return &fieldProblem{ID: "err-" + strings.ReplaceAll(field, ".", "-"), Message: msg}
	}
	return nil
}

// fieldNames word the fields of the groups and policies forms for the
// summary of problems; a field not listed is shown by its name.
var fieldNames = map[string]string{
	"name": "Name", "description": "Description", "member": "Member", "type": "Type", "action": "Action",
	"active_from": "In force from", "active_until": "In force until",
	"schedule": "Schedule", "schedule.zone": "Time zone", "schedule.every": "Repeats", "schedule.days": "Days",
	"schedule.month_day": "Day of the month", "schedule.from": "From", "schedule.to": "To",
	"schedule.start": "Starts", "schedule.end": "Ends",
	"context": "Networks and countries", "context.allow_cidrs": "Allowed networks",
	"context.allow_countries": "Allowed countries", "on_unknown": "When it cannot tell",
	"alert": "Alert", "alert.on": "Runs on", "alert.notify": "Notifies", "alert.for": "Lasts",
	"approval": "Approval", "approval.required": "Approvals needed", "approval.approvers": "Approvers",
	"approval.deny_on": "Denials", "approval.max_duration": "Longest grant", "approval.expiry": "Request waits",
	"key": "Key", "title": "Title", "text": "Text", "approvers": "Approvers", "groups": "Approver groups", "mode": "Mode",
	"approvals": "Approvals needed", "deny_on": "Denials", "expiry": "Request waits",
	"target": "Assign to", "app": "Application", "account": "Account", "at": "At", "ip": "IP address",
}

func fieldName(field string) string {
	if n, ok := fieldNames[field]; ok {
		return n
	}
	return field
}

// errUnreadableForm is the page of a form that does not parse.
func errUnreadableForm(err error) error {
	return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "The form could not be read.", Cause: err}
}

// formField is one text input of a form, for the template "textfield".
type formField struct {
	Name, Label, Value, Help, Type string
	Problem                        *fieldProblem
}

// formFuncs are the template functions of the groups and policies pages.
var formFuncs = template.FuncMap{
	"err":       fieldError,
	"fieldname": fieldName,
	"has":       slices.Contains[[]string],
	"field": func(errs formErrors, name, label, value, help string) formField {
		return formField{Name: name, Label: label, Value: value, Help: help, Problem: fieldError(errs, name)}
	},
	"fieldt": func(errs formErrors, name, label, value, help, typ string) formField {
		return formField{Name: name, Label: label, Value: value, Help: help, Type: typ, Problem: fieldError(errs, name)}
	},
	"sub":         func(a, b, c int) int { return a - b - c },
	"zones":       func() []string { return commonZones },
	"frequencies": func() []policy.Frequency { return frequencies },
	"weekdays":    func() []choice { return weekdays },
	"triggers":    func() []choice { return triggers },
	"recipients":  func() []choice { return recipients },
	"calendarOf": func(c *calendar, unsaved bool) map[string]any {
		return map[string]any{"Calendar": c, "Unsaved": unsaved}
	},
}

// choice is one option of a form: its value and its words.
type choice struct{ Value, Label string }

// commonZones are offered as the time zone is typed; any IANA zone is
// accepted.
var commonZones = []string{"UTC", "Europe/Lisbon", "Europe/London", "Europe/Dublin", "Europe/Madrid", "Europe/Paris",
	"Europe/Berlin", "Europe/Amsterdam", "Europe/Warsaw", "Europe/Athens", "Europe/Helsinki", "America/New_York",
	"America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "America/Toronto",
	"Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
	"Australia/Lord_Howe", "Pacific/Auckland"}

var frequencies = []policy.Frequency{policy.Daily, policy.Weekdays, policy.Weekly, policy.Biweekly, policy.Monthly, policy.Annually}

var triggers = []choice{
	{string(policy.OnExecute), "execute: a SIEM or EDR tool calls the API (or deadbolt policy execute)"},
	{string(policy.OnUnlockOutsideWindow), "unlock_outside_window: someone tries to unlock outside an allow_unlock window"},
	{string(policy.OnBlockedSignin), "blocked_signin: a sign-in is blocked"},
}

var recipients = []choice{
	{string(policy.NotifyOwner), "the accounts' owners"},
	{string(policy.NotifyAdmins), "the organisation's admins"},
	{string(policy.NotifyWebhooks), "webhooks"},
}

package policy

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestApprovalRule(t *testing.T) {
	ok := Policy{ID: "p", Name: "treasury", Type: Approval, Enabled: true, Assign: Assignments{Apps: []string{"app"}},
		Approval: &ApprovalRule{Required: 2, Groups: []string{"g"}, MaxDuration: 2 * time.Hour, Sign: true}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid approval policy refused: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(p *Policy)
		field string
	}{
		{"no rule", func(p *Policy) { p.Approval = nil }, "approval"},
		{"an action", func(p *Policy) { p.Action = Lock }, "action"},
		{"no quorum", func(p *Policy) { p.Approval.Required = 0 }, "approval.required"},
		{"no approvers", func(p *Policy) { p.Approval.Groups = nil }, "approval.approvers"},
		{"fewer members than quorum", func(p *Policy) { p.Approval.Groups, p.Approval.Members = nil, []string{"m1"} }, "approval.required"},
		{"bad deny_on", func(p *Policy) { p.Approval.DenyOn = "last" }, "approval.deny_on"},
		{"rule on another type", func(p *Policy) { p.Type = Alert; p.Action = Lock }, "approval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			r := *ok.Approval
			p.Approval = &r
			tc.edit(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("error %v does not name %s", err, tc.field)
			}
		})
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s, err := NewSet(Tenant{Policies: []Policy{ok}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, found := s.Approval(Account{App: "app", Owner: "m"}, at); !found || p.ID != "p" || p.Approval.Required != 2 {
		t.Fatalf("approval of an assigned account: %v %+v", found, p)
	}
	if _, found := s.Approval(Account{App: "other"}, at); found {
		t.Fatal("an approval policy applies to an account it is not assigned to")
	}
	if v := s.Evaluate(Account{App: "app"}, at, netip.Addr{}); v.Decider() != "" {
		t.Fatalf("an approval policy decided a check: %+v", v)
	}
}

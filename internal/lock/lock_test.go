package lock

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	open := &Grant{Until: now.Add(time.Minute)}
	once := &Grant{Until: now.Add(time.Minute), Once: true}
	tests := []struct {
		name string
		in   Input
		want Decision
	}{
		{"unenrolled, app allows", Input{UnenrolledAllowed: true},
			Decision{Locked: false, Status: StatusNotEnrolled}},
		{"unenrolled, app denies", Input{},
			Decision{Locked: true, Status: StatusNotEnrolled}},
		{"unenrolled, app allows, ignores grants and schedules", Input{UnenrolledAllowed: true, Grant: once, Scheduled: true},
			Decision{Locked: false, Status: StatusNotEnrolled}},
		{"unenrolled, app allows, application lockdown still locks", Input{UnenrolledAllowed: true, HardLock: HardLockApplication, Grant: open},
			Decision{Locked: true, Status: StatusLockdown, Reason: "application_lockdown"}},
		{"unenrolled, app allows, lock policy still locks", Input{UnenrolledAllowed: true, HardLock: HardLockPolicy},
			Decision{Locked: true, Status: StatusLockdown, Reason: "lock_policy"}},
		{"unenrolled, app allows, context rule still refuses", Input{UnenrolledAllowed: true, ContextDenied: true, ContextReason: "ip_not_allowed"},
			Decision{Locked: true, Status: StatusDeniedByPolicy, Reason: "ip_not_allowed"}},
		{"unenrolled, app denies, before any lock", Input{HardLock: HardLockApplication, ContextDenied: true},
			Decision{Locked: true, Status: StatusNotEnrolled}},
		{"enrolled, nothing open", Input{Enrolled: true},
			Decision{Locked: true, Status: StatusLocked}},
		{"enrolled, raises requests", Input{Enrolled: true, RaisesRequests: true},
			Decision{Locked: true, Status: StatusPendingApproval, RaiseRequest: true}},
		{"open grant unlocks", Input{Enrolled: true, Grant: open},
			Decision{Locked: false, Status: StatusUnlocked}},
		{"once grant unlocks and must be consumed", Input{Enrolled: true, Grant: once},
			Decision{Locked: false, Status: StatusUnlocked, ConsumeGrant: true}},
		{"grant ending now is closed", Input{Enrolled: true, Grant: &Grant{Until: now}},
			Decision{Locked: true, Status: StatusLocked}},
		{"spent grant is closed", Input{Enrolled: true, Grant: &Grant{Until: now.Add(time.Hour), Spent: true}},
			Decision{Locked: true, Status: StatusLocked}},
		{"hard lock beats grant", Input{Enrolled: true, HardLock: HardLockEverything, Grant: open},
			Decision{Locked: true, Status: StatusLockdown, Reason: "lock_everything"}},
		{"hard lock beats schedule", Input{Enrolled: true, HardLock: HardLockPolicy, Scheduled: true},
			Decision{Locked: true, Status: StatusLockdown, Reason: "lock_policy"}},
		{"hard lock beats context", Input{Enrolled: true, HardLock: HardLockMember, ContextDenied: true},
			Decision{Locked: true, Status: StatusLockdown, Reason: "member_lockdown"}},
		{"context beats schedule and grant", Input{Enrolled: true, ContextDenied: true, ContextReason: "ip_not_allowed", Scheduled: true, Grant: open},
			Decision{Locked: true, Status: StatusDeniedByPolicy, Reason: "ip_not_allowed"}},
		{"schedule beats once grant (grant kept)", Input{Enrolled: true, Scheduled: true, Grant: once},
			Decision{Locked: false, Status: StatusScheduled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = now
			if got := Decide(tt.in); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMessageForEveryStatus(t *testing.T) {
	for _, s := range []Status{StatusNotEnrolled, StatusLockdown, StatusDeniedByPolicy, StatusScheduled,
		StatusUnlocked, StatusLocked, StatusPendingApproval} {
		if Message(s, true) == "" || Message(s, false) == "" {
			t.Errorf("no message for %s", s)
		}
	}
}

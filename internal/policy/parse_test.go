package policy

import (
	"slices"
	"testing"
	"time"
)

func TestParseDays(t *testing.T) {
	got, err := ParseDays("Mon, wednesday,FRI")
	if err != nil || !slices.Equal(got, []time.Weekday{time.Monday, time.Wednesday, time.Friday}) {
		t.Errorf("ParseDays = %v, %v", got, err)
	}
	for _, in := range []string{"", "mo", "mon,,fri", "funday"} {
		if _, err := ParseDays(in); err == nil {
			t.Errorf("ParseDays(%q) accepted", in)
		}
	}
}

func TestParseMonthDay(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "31": 31, "last": LastDay, " Last ": LastDay} {
		if got, err := ParseMonthDay(in); err != nil || got != want {
			t.Errorf("ParseMonthDay(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "32", "-1", "first", ""} {
		if _, err := ParseMonthDay(in); err == nil {
			t.Errorf("ParseMonthDay(%q) accepted", in)
		}
	}
}

func TestExecute(t *testing.T) {
	p := alert("siem", Lock) // 24 h, liftable, on execute
	e := p.Execute(now)
	if e.PolicyID != "siem" || !e.At.Equal(now) || !e.Until.Equal(now.Add(24*time.Hour)) {
		t.Errorf("Execute = %+v", e)
	}
	if !e.covers(now) || !e.covers(now.Add(23*time.Hour)) || e.covers(now.Add(24*time.Hour)) || e.covers(now.Add(-time.Second)) {
		t.Error("a 24 h execution covers the wrong times")
	}
	p.Alert.For = 0
	if e := p.Execute(now); !e.Until.IsZero() || !e.covers(now.Add(1000*time.Hour)) {
		t.Errorf("until-lifted execution = %+v", e)
	}
	if !p.TriggeredBy(OnExecute) || p.TriggeredBy(OnBlockedSignin) {
		t.Error("TriggeredBy ignores the policy's events")
	}
	p.Enabled = false
	if p.TriggeredBy(OnExecute) {
		t.Error("a disabled alert policy runs")
	}
}

package policy

import (
	"slices"
	"testing"
	"time"
)

// TestProblems: every problem of an invalid policy is named by its field,
// so a form can show it beside that field.
func TestProblems(t *testing.T) {
	p := Policy{Name: " x", Type: Scheduled, Action: "open",
		Schedule: &Schedule{Zone: "Mars/Olympus", Every: Weekly, Days: []time.Weekday{9}, From: 600, To: 600}}
	var fields []string
	for _, pr := range Problems(p.Validate()) {
		if pr.Message == "" {
			t.Errorf("problem of %q has no message", pr.Field)
		}
		fields = append(fields, pr.Field)
	}
	want := []string{"name", "action", "schedule.zone", "schedule.days", "schedule.to", "schedule.start"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields %q, want %q", fields, want)
	}
	c := Policy{Name: "c", Type: Context, Action: Lock, Context: &ContextRule{AllowCIDRs: []string{"10.0.0.0/33"}, AllowCountries: []string{"Portugal"}}}
	fields = nil
	for _, pr := range Problems(c.Validate()) {
		fields = append(fields, pr.Field)
	}
	if want := []string{"context.allow_cidrs", "context.allow_countries"}; !slices.Equal(fields, want) {
		t.Errorf("context fields %q, want %q", fields, want)
	}
	if Problems(nil) != nil {
		t.Error("Problems(nil) is not nil")
	}
}

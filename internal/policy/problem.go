package policy

import "strings"

// Problem is one thing wrong with a policy or a group, as their Validate
// (and Schedule.Compile) report it: Field names the field as the JSON
// document does ("name", "schedule.zone", "context.allow_cidrs",
// "approval.required"), Message says what is wrong with it.
type Problem struct {
	Field   string
	Message string
}

// Problems splits an error of Policy.Validate, Group.Validate or
// Schedule.Compile into its problems, in order. Each line of such an
// error starts with its field's name and a colon (the bad helpers of
// this package write them so); a line that does not has Field "". A form
// uses it to show each problem beside its field.
func Problems(err error) []Problem {
	if err == nil {
		return nil
	}
	var out []Problem
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		field, msg, ok := strings.Cut(line, ": ")
		if !ok || strings.ContainsAny(field, " \"") {
			field, msg = "", line
		}
		out = append(out, Problem{Field: field, Message: msg})
	}
	return out
}

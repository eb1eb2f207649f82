package cognito_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
)

// Define allows MaxAttempts wrong step-up answers in one sign-in, then
// fails it. (The whole sequence against a real OpenID provider is
// e2e.TestCognitoStepUp.)
func TestStepUpDefineAttemptLimit(t *testing.T) {
	s := cognito.NewStepUp(cognito.StepUpConfig{MaxAttempts: 3}, nil)
	session := []*events.CognitoEventUserPoolsChallengeResult{
		{ChallengeName: "SRP_A", ChallengeResult: true},
		{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: true},
	}
	for wrong := 1; wrong <= 3; wrong++ {
		session = append(session, &events.CognitoEventUserPoolsChallengeResult{ChallengeName: "CUSTOM_CHALLENGE"})
		var e events.CognitoEventUserPoolsDefineAuthChallenge
		e.TriggerSource, e.UserName, e.Request.Session = cognito.TriggerDefineAuthChallenge, "olive", session
		r := s.Define(context.Background(), e).Response
		if wrong < 3 && (r.ChallengeName != "CUSTOM_CHALLENGE" || r.FailAuthentication || r.IssueTokens) {
			t.Fatalf("after %d wrong answers: %+v, want another challenge", wrong, r)
		}
		if wrong == 3 && (!r.FailAuthentication || r.IssueTokens) {
			t.Fatalf("after %d wrong answers: %+v, want failure", wrong, r)
		}
	}
	var e events.CognitoEventUserPoolsDefineAuthChallenge
	e.Request.UserNotFound = true
	e.Request.Session = session[:2]
	if r := s.Define(context.Background(), e).Response; !r.FailAuthentication {
		t.Fatalf("unknown user: %+v", r)
	}
}

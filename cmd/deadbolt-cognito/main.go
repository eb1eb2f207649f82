// Command deadbolt-cognito is deadbolt's Amazon Cognito PreAuthentication /
// PostAuthentication trigger, and with STEPUP_* set its custom
// authentication (step-up) triggers (package internal/aws/cognito; see
// docs/integrations/cognito-stepup.md). In AWS Lambda
// it runs as the function's handler; locally, --serve ADDR serves the Lambda
// Invoke API. See docs/integrations/cognito.md.
package main

import (
	"os"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
	"github.com/deadbolt-dev/deadbolt/internal/aws/launch"
)

func main() {
	os.Exit(launch.Main(launch.Program{
		Name:    "deadbolt-cognito",
		Summary: "refuses Cognito sign-ins to accounts deadbolt has locked",
		New:     cognito.FromEnv,
		Timeout: 5 * time.Second, // Cognito's limit for a trigger
	}, os.Args[1:], launch.OS()))
}

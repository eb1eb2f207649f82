// Command deadbolt-authorizer is deadbolt's Amazon API Gateway Lambda
// authorizer (package internal/aws/authorizer): it verifies a Cognito (or
// any OIDC) JWT and refuses requests from accounts deadbolt has locked. In
// AWS Lambda it runs as the function's handler; locally, --serve ADDR serves
// the Lambda Invoke API and the function URL that takes deadbolt's
// webhooks. See docs/integrations/api-gateway.md.
package main

import (
	"os"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/aws/authorizer"
	"github.com/deadbolt-dev/deadbolt/internal/aws/launch"
)

func main() {
	os.Exit(launch.Main(launch.Program{
		Name:        "deadbolt-authorizer",
		Summary:     "refuses API Gateway requests from accounts deadbolt has locked",
		New:         authorizer.FromEnv,
		FunctionURL: true,
		Timeout:     10 * time.Second,
	}, os.Args[1:], launch.OS()))
}

// Command deadbolt-iam is deadbolt's AWS IAM enforcement function (package
// internal/aws/iam): EventBridge sign-in and AssumeRole events, signed
// state-change webhooks on its function URL, and scheduled reconcile. In
// AWS Lambda it runs as the function's handler; locally, --serve ADDR
// serves the Lambda Invoke API and the function URL, and --reconcile runs
// one reconcile. See docs/integrations/iam.md.
package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/aws/iam"
	"github.com/deadbolt-dev/deadbolt/internal/aws/launch"
)

func main() {
	os.Exit(launch.Main(launch.Program{
		Name:        "deadbolt-iam",
		Summary:     "keeps IAM users and roles locked while deadbolt says they are locked",
		New:         iam.FromEnv,
		FunctionURL: true,
		Timeout:     60 * time.Second,
		Actions: []launch.Action{{
			Flag:  "reconcile",
			Usage: "run one reconcile (as the scheduled event does), print the result and exit",
			Payload: func(now time.Time) []byte {
				b, _ := json.Marshal(map[string]any{
					"version": "0", "id": "local-reconcile", "detail-type": iam.DetailScheduled,
					"source": iam.SourceSchedule, "time": now.UTC().Format(time.RFC3339), "detail": map[string]any{},
				})
				return b
			},
		}},
	}, os.Args[1:], launch.OS()))
}

// Package aws holds the end-to-end tests of deadbolt's AWS integrations:
// they build the real deadbolt, deadbolt-iam and deadbolt-cognito
// binaries, start `deadbolt serve` on a loopback port with a temporary
// data directory, run the Lambda binaries in local mode (--serve, the
// Lambda Invoke API) and moto's IAM server, and drive everything through
// the CLI, the AWS SDK and HTTP, as an operator and AWS would.
//
// TestMain builds the binaries with go build; E2E_DEADBOLT_BIN names a
// prebuilt deadbolt binary to use instead (for instance one built from
// another revision while the server is being changed).
package aws

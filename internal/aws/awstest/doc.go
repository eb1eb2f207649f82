// Package awstest runs moto's server (python3 -m moto.server) for tests
// that need a real IAM or Secrets Manager API, and builds aws-sdk-go-v2
// clients pointed at it; it also serves a fake deadbolt lock check
// (LockServer) and a user pool's JWKS with tokens signed by its key (IDP),
// collects concurrent output (Buffer) and checks that a Lambda
// environment's loader refuses bad variables by name (ExpectInvalidEnv).
// It is imported only by tests.
//
// moto is started on a free 127.0.0.1 port with
// MOTO_IAM_LOAD_MANAGED_POLICIES=true (so arn:aws:iam::aws:policy/AWSDenyAll
// exists) and stopped by process id. When moto cannot be imported, tests
// are skipped — except under CI=true, where they fail, so CI never passes
// without them.
package awstest

// Package lambdaenv turns the environment of deadbolt's Lambda functions
// into typed, validated configuration, and builds what every function
// needs from it (Runtime): the lock-check client (its signing key possibly
// fetched from AWS Secrets Manager once and cached), the webhook secrets,
// and the AWS SDK configuration, loaded only when something needs it.
//
// Variable names follow Next Level3's Lambda samples (CLIENT_ID, APP_URI,
// API_URI, API_PATH, SIGNING_KEY, LOCKED_MESSAGE, POLICY_ARN), so an
// existing NL3 deployment switches to deadbolt by changing API_URI and the
// key. Load functions report every problem at once, each naming its
// variable and wrapping ErrConfig, so a cold start that fails says exactly
// what to fix.
//
// AWS endpoints honour AWS_ENDPOINT_URL (and the per-service
// AWS_ENDPOINT_URL_<SERVICE>), which the SDK reads itself; local tests
// point them at moto.
package lambdaenv

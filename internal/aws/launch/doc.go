// Package launch is the process entry point shared by deadbolt's Lambda
// binaries. A binary's main names its Program and calls Main, which
//
//   - sets up JSON logging (log/slog) on stderr, where Lambda collects it;
//   - builds the handler from the environment, so an invalid configuration
//     fails the cold start with an error naming the variable;
//   - runs the handler under the Lambda runtime (lambda.StartHandler) when
//     AWS_LAMBDA_RUNTIME_API is set — that is, in AWS Lambda;
//   - or, with --serve ADDR, serves it locally through the Lambda Invoke API
//     (package invoke) until SIGINT or SIGTERM;
//   - or, with an action flag such as deadbolt-iam's --reconcile, invokes it
//     once with a fixed event, prints the result and exits.
package launch

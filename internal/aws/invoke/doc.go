// Package invoke serves a Lambda handler over HTTP the way AWS does, so the
// deadbolt Lambda binaries can run on a developer's machine (their
// --serve mode) and be driven by the AWS SDK, cognito-local or curl.
//
// It implements the Lambda Invoke API for synchronous calls:
//
//	POST /2015-03-31/functions/{name}/invocations
//
// where {name} is a function name, a name with a qualifier (name:alias) or
// a full function ARN, as the SDK sends it (URL-encoded). A successful
// invocation answers 200 with the handler's JSON output. A handler error is
// still a 200, with the header X-Amz-Function-Error: Unhandled and the body
// {"errorMessage": err.Error(), "errorType": <Go type name>}, exactly as the
// Lambda service and aws-lambda-go report it; a panic is reported the same
// way. X-Amz-Invocation-Type Event answers 202 and runs the invocation in
// the background; DryRun answers 204. An unknown function is a 404
// ResourceNotFoundException.
//
// With Server.FunctionURL set, every other path behaves like a Lambda
// function URL (payload format 2.0): the HTTP request becomes an
// events.LambdaFunctionURLRequest (binary bodies base64-encoded) and the
// handler's events.LambdaFunctionURLResponse becomes the HTTP response.
// deadbolt's webhooks reach the IAM function this way.
//
// Handlers are aws-lambda-go lambda.Handler values (lambda.NewHandler), the
// same values lambda.Start runs in AWS, so the JSON encoding is the real
// one. Each invocation's context carries a lambdacontext.LambdaContext and
// a deadline of Server.Timeout, as in Lambda.
package invoke

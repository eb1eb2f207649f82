// Package urlhook receives deadbolt's signed webhooks at a Lambda function
// URL: it checks the method, decodes the body, verifies the signature with
// the function's webhook secrets and parses the event, answering refusals
// in one JSON shape. The Lambdas that act on lock changes (IAM
// enforcement, the API Gateway authorizer's cache) share it.
package urlhook

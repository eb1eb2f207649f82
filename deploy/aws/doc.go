// Package awsdeploy holds deadbolt's AWS SAM template (template.yaml) for
// the Lambda integrations. It has no code: its test parses the template
// and checks that every function's handler and binary exist, that every
// environment variable it sets is one a function reads, and that every
// resource, parameter and condition it refers to is defined.
package awsdeploy

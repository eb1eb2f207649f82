// Package lambda benchmarks deadbolt's Lambda integrations (design §10):
//
//   - BenchmarkHandlerOverhead: what the Cognito handler costs beyond its
//     HTTP call to the lock check. Each iteration makes one bare HTTP lock
//     check (a pre-minted token and a fixed body, POSTed with the same kind
//     of client) and one full handler invocation (aws-lambda-go JSON
//     decoding of a PreAuthentication event, context extraction, token
//     minting, the same HTTP call, answer decoding, the JSON log line),
//     against the same loopback endpoint, interleaved so both see the same
//     machine state. It reports the mean difference as overhead-µs/op; the
//     target is ≤ 2000.
//   - BenchmarkColdStart: wall time from exec of each Lambda binary in
//     local mode (--serve) to its first successfully answered invocation,
//     as ms/op.
//
// Figures are recorded in README.md.
package lambda

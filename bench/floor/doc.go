// Package floor measures, each alone and in one run, the parts a lock
// check cannot do without, so that its CPU per check can be set against
// a floor rather than against a guess (issue 9: "show with a profile
// where the remaining time goes and what the physical floor is").
//
//	go test -run '^$' -bench . -benchtime 20000x ./bench/floor
//
// Every benchmark reports cpu-µs/op: the CPU time, user and system, of
// the whole test process (every goroutine's, the collector's, and in
// BenchmarkHTTP the client's too) divided by the operations. On a shared
// machine that figure holds better than ns/op, which counts waiting for a
// core.
//
//   - BenchmarkHTTP: the bare net/http handler the benchmark compares
//     deadbolt with (bench.Baseline), over loopback keep-alive
//     connections, and the same exchange with a server that is a plain
//     TCP loop (no net/http): the difference is what net/http itself
//     costs per request. Both include the client.
//   - BenchmarkRequest: reading the NL3 body and the token header the way
//     the check handler does (httpx.DecodeJSON into api.CheckBody,
//     httpx.AuthToken).
//   - BenchmarkToken: parsing a lock-check token, and parsing plus
//     verifying it, for each algorithm deadbolt accepts (HS256, ES256,
//     EdDSA).
//   - BenchmarkCommit: one durable write of a batch of check records on
//     this disk: a raw append plus fdatasync, and the check log's own
//     commit (sqlite.Store.AppendChecks), reported per batch and per
//     check.
//   - BenchmarkCache: the check's reads answered from memory
//     (cache.Cache: application and keys, account state), the SQLite
//     feed's poll included.
//
// The test files are the whole package: nothing here is linked into
// deadbolt.
package floor

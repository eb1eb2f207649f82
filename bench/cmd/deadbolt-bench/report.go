package main

import (
	"fmt"
	"strings"
	"time"
)

// Targets of design §10 that this command measures.
const (
	targetRatio      = 0.6 // deadbolt/baseline throughput, sync, largest size
	targetP99Half    = 5.0 // ms, p99 at half of the peak
	targetRSS        = 150 // MB at the largest size
	targetLatencyGro = 1.5 // latency(largest)/latency(smallest)
)

// noisy is the average CPU, in cores, other processes may use during the
// measured windows before the report warns about it.
const noisy = 0.2

// mb is the unit memory is reported in: 10^6 bytes.
const mb = 1e6

// markdown renders the report as the tables README.md shows.
func (r report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	c := r.Config
	p("# deadbolt-bench %s\n\n", r.Started.Format(time.DateTime+" MST"))
	if c.Label != "" {
		p("Measured: %s.\n", c.Label)
	}
	p("Host %s, %d CPUs (shared: the load generator, the baseline and deadbolt run on the same cores), %s.\n",
		r.Host, r.CPUs, r.GoVersion)
	p("Measured window %s per figure; servers compared with each other are interleaved in %d rounds of %s (warm-up %s before a server's first round, %s before later ones). "+
		"%d distinct accounts (one token each) checked at random per run; SQLite store.\n\n",
		c.Duration, c.Rounds, (c.Duration / time.Duration(c.Rounds)).Round(time.Millisecond), c.Warmup, min(c.Warmup, warmupAgain), c.Sample)

	p("## Seeding (`deadbolt import accounts`)\n\n")
	if c.Reuse {
		p("Data sets reused from an earlier run (-reuse); import times are that run's.\n\n")
	}
	p("| accounts | import (wall) | database after import |\n|---:|---:|---:|\n")
	for _, d := range r.Datasets {
		p("| %s | %.1f s | %.0f MB |\n", count(d.Accounts), d.ImportSecs, float64(d.DBBytes)/mb)
	}

	p("\n## Closed loop (each connection sends its next check as soon as it has an answer)\n\n")
	p("| accounts | check log | server | conns | req/s | p50 ms | p90 ms | p99 ms | errors | server CPU µs/req | cores: server / client / others | deadbolt/baseline |\n")
	p("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.Runs {
		if x.Loop != "closed" {
			continue
		}
		ratio := ""
		if x.VsBaseline > 0 {
			ratio = fmt.Sprintf("**%.2f**", x.VsBaseline)
		}
		p("| %s | %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %.0f | %s | %s |\n",
			count(x.Accounts), dash(x.CheckLog), x.Server, x.Workers, x.Throughput, x.P50, x.P90, x.P99, x.Errors,
			x.ServerCPU, x.cores(), ratio)
	}

	if r.OpenRate > 0 {
		p("\n## Open loop at %.0f req/s (%.0f%% of deadbolt's closed-loop %s peak at %s accounts; latency counted from the scheduled send time)\n\n",
			r.OpenRate, 100*c.Fraction, r.peakMode(), count(r.Datasets[0].Accounts))
		p("| accounts | check log | server | conns | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | server CPU µs/req | cores: server / client / others |\n")
		p("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range r.Runs {
			if x.Loop == "open" {
				p("| %s | %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %.0f | %s |\n",
					count(x.Accounts), dash(x.CheckLog), x.Server, x.Workers, x.Throughput, x.P50, x.P90, x.P99, x.P999, x.Max, x.Errors,
					x.ServerCPU, x.cores())
			}
		}
	}

	p("\n## deadbolt's own view of each run (its /metrics, measured window only)\n\n")
	p("| accounts | check log | loop | req/s | in-handler p99 (bucket bound) | checks per check-log commit | ms per commit |\n")
	p("|---:|---|---|---:|---:|---:|---:|\n")
	for _, x := range r.Runs {
		if v := x.Inside; v != nil {
			p("| %s | %s | %s | %.0f | ≤ %s ms | %.1f | %.2f |\n", count(x.Accounts), x.CheckLog, x.Loop, x.Throughput, le(v.HandlerP99), v.Batch, v.Commit)
		}
	}

	p("\n## deadbolt serve memory (highest VmRSS read after a size's runs)\n\n| accounts | VmRSS | VmHWM |\n|---:|---:|---:|\n")
	for _, d := range r.Datasets {
		if m, ok := r.Memory[d.Accounts]; ok {
			p("| %s | %.0f MB | %.0f MB |\n", count(d.Accounts), float64(m.RSS)/mb, float64(m.Peak)/mb)
		}
	}

	if len(r.Idle) > 0 {
		p("\n## deadbolt serve without load (background jobs), measured for %s after each start\n\n| accounts | check log | CPU used |\n|---:|---|---:|\n", c.Idle)
		for _, x := range r.Idle {
			p("| %s | %s | %.3f cores |\n", count(x.Accounts), x.CheckLog, x.Cores)
		}
	}

	if len(c.Sweep) == 0 {
		r.targets(p)
	}
	return b.String()
}

// targets prints the design §10 figures this run measured.
func (r report) targets(p func(string, ...any)) {
	big, small := r.Datasets[0].Accounts, r.Datasets[len(r.Datasets)-1].Accounts
	find := func(accounts int, server, mode, loop string) (runResult, bool) {
		for _, x := range r.Runs {
			if x.Accounts == accounts && x.Server == server && x.CheckLog == mode && x.Loop == loop {
				return x, true
			}
		}
		return runResult{}, false
	}
	p("\n## Targets (design §10)\n\n")
	var others float64
	for _, x := range r.Runs {
		others += x.OtherCores / float64(len(r.Runs))
	}
	if others > noisy {
		p("**Noisy machine:** other processes used %.2f of the %d cores on average during the measured windows. "+
			"Figures compared within one interleaved run (deadbolt/baseline) suffer least; "+
			"figures from runs made at different times (1M vs 10k latency) can be off by a wide margin.\n\n", others, r.CPUs)
	}
	p("| figure | measured | target | met |\n|---|---:|---:|---|\n")
	row := func(name, measured, target string, met bool) {
		p("| %s | %s | %s | %s |\n", name, measured, target, yes(met))
	}
	if x, ok := find(big, "deadbolt", "sync", "closed"); ok {
		row(fmt.Sprintf("throughput deadbolt/baseline, sync log, %s accounts", count(big)),
			fmt.Sprintf("%.2f", x.VsBaseline), fmt.Sprintf("≥ %.1f", targetRatio), x.VsBaseline >= targetRatio)
	}
	if x, ok := find(big, "deadbolt", "sync", "open"); ok {
		row(fmt.Sprintf("p99 at %.0f%% of peak (%.0f req/s), sync, %s accounts", 100*r.Config.Fraction, x.TargetRate, count(big)),
			fmt.Sprintf("%.2f ms", x.P99), fmt.Sprintf("≤ %.0f ms", targetP99Half), x.P99 <= targetP99Half)
	}
	if m, ok := r.Memory[big]; ok {
		row(fmt.Sprintf("resident memory at %s accounts: peak (VmHWM) over the runs; VmRSS after them %.0f MB", count(big), float64(m.RSS)/mb),
			fmt.Sprintf("%.0f MB", float64(m.Peak)/mb), fmt.Sprintf("≤ %d MB", targetRSS), float64(m.Peak)/mb <= targetRSS)
	}
	if big != small {
		lb, okb := find(big, "deadbolt", "sync", "open")
		ls, oks := find(small, "deadbolt", "sync", "open")
		if okb && oks && ls.P50 > 0 && ls.P99 > 0 {
			row(fmt.Sprintf("latency %s / %s accounts, p50 at the same open-loop rate", count(big), count(small)),
				fmt.Sprintf("%.2f", lb.P50/ls.P50), fmt.Sprintf("≤ %.1f", targetLatencyGro), lb.P50/ls.P50 <= targetLatencyGro)
			row(fmt.Sprintf("latency %s / %s accounts, p99 at the same open-loop rate", count(big), count(small)),
				fmt.Sprintf("%.2f", lb.P99/ls.P99), fmt.Sprintf("≤ %.1f", targetLatencyGro), lb.P99/ls.P99 <= targetLatencyGro)
		}
		cb, okb := find(big, "deadbolt", "sync", "closed")
		cs, oks := find(small, "deadbolt", "sync", "closed")
		if okb && oks && cs.P50 > 0 {
			row(fmt.Sprintf("latency %s / %s accounts, closed-loop p50 (sync)", count(big), count(small)),
				fmt.Sprintf("%.2f", cb.P50/cs.P50), fmt.Sprintf("≤ %.1f", targetLatencyGro), cb.P50/cs.P50 <= targetLatencyGro)
		}
	}
}

// cores renders the CPU the run's server, this process and everything
// else on the machine used, in cores.
func (x runResult) cores() string {
	return fmt.Sprintf("%.2f / %.2f / %.2f", x.ServerCores, x.ClientCores, x.OtherCores)
}

// peakMode is the check-log mode whose peak set the open-loop rate.
func (r report) peakMode() string {
	for _, x := range r.Runs {
		if x.Server == "deadbolt" && x.Loop == "closed" {
			return x.CheckLog
		}
	}
	return ""
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// count writes n with thin digit groups: 1 000 000.
func count(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// le renders a bucket bound in ms; -1 is beyond the last bucket.
func le(ms float64) string {
	if ms < 0 {
		return "> 1000"
	}
	return fmt.Sprintf("%g", ms)
}

package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// writeReport writes report.md and chart.svg into dir and returns the
// report's path.
func writeReport(dir string, cfg config, start, end time.Time, rec *recorder, faults []fault, samples []sample, v verdict) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "chart.svg"), []byte(chart(start, end, faults, samples)), 0o644); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# deadbolt soak, %s\n\n", start.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "%s of load (`go run ./bench/soak -duration %s -fault-every %s -accounts %d -rate %g`): nodes A and B on one PostgreSQL database, node C on SQLite on a tmpfs.\n\n",
		end.Sub(start).Round(time.Second), cfg.duration, cfg.faultEvery, cfg.accounts, cfg.rate)

	verdictLine := "**every property held**"
	if !v.ok() {
		verdictLine = "**VIOLATIONS FOUND** (listed below)"
	}
	fmt.Fprintf(&b, "## Verdict: %s\n\n", verdictLine)
	fmt.Fprintf(&b, "| property | result |\n|---|---|\n")
	fmt.Fprintf(&b, "| every answered check (%d) is in the check log | %s |\n", v.answered, count(v.loggedMissing))
	fmt.Fprintf(&b, "| no decision contradicts an acknowledged state (%d answers inside known-state windows) | %s |\n", v.checkedWindows, count(v.contradictions))
	fmt.Fprintf(&b, "| no once-unlock opened two checks | %s |\n", count(v.onceTwice))
	fmt.Fprintf(&b, "| every account ends in its last acknowledged state | %s |\n", count(v.finalWrong))
	fmt.Fprintf(&b, "| unlock requests: approvals (each for one sign-in) never opened more checks than were given | %s |\n\n", count(v.overApproved))
	for _, line := range v.approvals {
		fmt.Fprintf(&b, "- %s\n", line)
	}
	for _, list := range [][]string{v.loggedMissing, v.contradictions, v.onceTwice, v.finalWrong, v.overApproved} {
		for i, line := range list {
			if i == 20 {
				fmt.Fprintf(&b, "- … and %d more\n", len(list)-20)
				break
			}
			fmt.Fprintf(&b, "- %s\n", line)
		}
	}

	acked, failed := 0, 0
	for _, o := range rec.ops {
		if o.ack.IsZero() {
			failed++
		} else {
			acked++
		}
	}
	fmt.Fprintf(&b, "\n## Load\n\n%d CLI changes acknowledged, %d failed (a failed change is allowed to have happened or not).\n\n", acked, failed)
	fmt.Fprintf(&b, "| node | checks sent | answered 200 | not answered, by cause |\n|---|---:|---:|---|\n")
	for _, n := range []string{"A", "B", "C"} {
		sent, ok := 0, 0
		causes := map[string]int{}
		for _, a := range rec.answers {
			if a.node != n {
				continue
			}
			sent++
			if a.status == 200 {
				ok++
				continue
			}
			label := a.cause
			if a.status != 0 {
				label = fmt.Sprintf("%d %s", a.status, a.cause)
			}
			causes[label]++
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", n, sent, ok, causeList(causes))
	}

	fmt.Fprintf(&b, "\n## Faults\n\n| at (s) | fault | nodes | lasted | answering again after | note |\n|---:|---|---|---:|---:|---|\n")
	for _, f := range faults {
		if f.skippedWhy != "" {
			fmt.Fprintf(&b, "| %.0f | %s | %s | — | — | skipped: %s |\n", f.start.Sub(start).Seconds(), f.name, strings.Join(f.nodes, ","), f.skippedWhy)
			continue
		}
		fmt.Fprintf(&b, "| %.0f | %s | %s | %s | %s | %s |\n", f.start.Sub(start).Seconds(), f.name, strings.Join(f.nodes, ","),
			f.end.Sub(f.start).Round(100*time.Millisecond), showRecovery(f.recovery), strings.ReplaceAll(f.note, "|", "/"))
	}

	fmt.Fprintf(&b, "\n## Memory and goroutines\n\n![resident memory and goroutines over time](chart.svg)\n\n")
	fmt.Fprintf(&b, "| node | RSS min–max (MB) | RSS at the end (MB) | goroutines min–max | goroutines at the end |\n|---|---|---:|---|---:|\n")
	for _, n := range []string{"A", "B", "C"} {
		var rs []float64
		var gs []float64
		for _, s := range samples {
			if s.node == n {
				rs = append(rs, s.rssMB)
				gs = append(gs, float64(s.goroutines))
			}
		}
		if len(rs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %.0f–%.0f | %.0f | %.0f–%.0f | %.0f |\n", n, minOf(rs), maxOf(rs), rs[len(rs)-1], minOf(gs), maxOf(gs), gs[len(gs)-1])
	}
	path := filepath.Join(dir, "report.md")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

func count(list []string) string {
	if len(list) == 0 {
		return "held"
	}
	return fmt.Sprintf("**%d violations**", len(list))
}

func causeList(m map[string]int) string {
	if len(m) == 0 {
		return "—"
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, "; ")
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

// chart draws two panels, resident memory and goroutines per node over
// time, with a dashed line where each fault began.
func chart(start, end time.Time, faults []fault, samples []sample) string {
	const w, panelH, left, right, top, gap = 900.0, 200.0, 60.0, 20.0, 30.0, 50.0
	colors := map[string]string{"A": "#1f5fbf", "B": "#c0392b", "C": "#2e7d32"}
	span := math.Max(end.Sub(start).Seconds(), 1)
	x := func(t time.Time) float64 { return left + (w-left-right)*t.Sub(start).Seconds()/span }
	var b strings.Builder
	h := top + 2*panelH + gap + 40
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	panels := []struct {
		title string
		value func(sample) float64
	}{
		{"resident memory (MB)", func(s sample) float64 { return s.rssMB }},
		{"goroutines", func(s sample) float64 { return float64(s.goroutines) }},
	}
	for i, p := range panels {
		y0 := top + float64(i)*(panelH+gap)
		hi := 1.0
		for _, s := range samples {
			hi = math.Max(hi, p.value(s))
		}
		hi = niceCeil(hi)
		y := func(v float64) float64 { return y0 + panelH - panelH*v/hi }
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-weight="bold">%s</text>`+"\n", left, y0-8, html.EscapeString(p.title))
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#999"/>`+"\n", left, y0, w-left-right, panelH)
		for _, frac := range []float64{0, 0.5, 1} {
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left-6, y(hi*frac)+4, hi*frac)
		}
		for _, f := range faults {
			if f.skippedWhy != "" {
				continue
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#888" stroke-dasharray="4 3"/>`+"\n", x(f.start), y0, x(f.start), y0+panelH)
			if i == 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="9" transform="rotate(-90 %.1f %.0f)" text-anchor="end">%s %s</text>`+"\n",
					x(f.start)-2, y0+4, x(f.start)-2, y0+4, html.EscapeString(f.name), strings.Join(f.nodes, ","))
			}
		}
		for _, n := range []string{"A", "B", "C"} {
			// One line per stretch of readings: a node that was down or
			// paused shows a gap, not a line across it.
			var pts []string
			var last time.Time
			flush := func() {
				if len(pts) > 0 {
					fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", colors[n], strings.Join(pts, " "))
				}
				pts = pts[:0]
			}
			for _, s := range samples {
				if s.node != n {
					continue
				}
				if !last.IsZero() && s.at.Sub(last) > 3*time.Second {
					flush()
				}
				last = s.at
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(s.at), y(p.value(s))))
			}
			flush()
		}
	}
	ly := top + 2*panelH + gap + 25
	for i, n := range []string{"A", "B", "C"} {
		lx := left + float64(i)*160
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="3"/><text x="%.0f" y="%.0f">node %s</text>`+"\n",
			lx, ly-4, lx+24, ly-4, colors[n], lx+30, ly, n)
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.0f s</text>`+"\n", w-right, ly, span)
	b.WriteString("</svg>\n")
	return b.String()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

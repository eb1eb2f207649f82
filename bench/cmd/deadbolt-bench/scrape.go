package main

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serverView is what deadbolt's own /metrics say about one measured run:
// the difference between a scrape before and one after it.
type serverView struct {
	// HandlerP99 is the upper bound of the histogram bucket holding the
	// 99th percentile of the lock-check time inside the handler, in ms;
	// -1 when it is beyond the last bucket.
	HandlerP99 float64 `json:"handler_p99_le_ms"`
	// Batch is the mean number of checks per check-log commit, Commit
	// the mean time of one commit in ms.
	Batch  float64 `json:"checklog_batch_mean"`
	Commit float64 `json:"checklog_commit_mean_ms"`
}

// samples are the metric lines of a Prometheus text scrape, by their full
// name with labels.
type samples map[string]float64

// scrape reads deadbolt's /metrics; nil when it cannot.
func scrape(addr string) samples {
	body := scrapeText(addr)
	if body == nil {
		return nil
	}
	return parseSamples(bytes.NewReader(body))
}

// scrapeText returns deadbolt's /metrics as served; nil when it cannot.
func scrapeText(addr string) []byte {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	return body
}

func parseSamples(r io.Reader) samples {
	out := samples{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// delta is what changed between two scrapes of the same server; nil when
// either is missing.
func delta(before, after samples) samples {
	if before == nil || after == nil {
		return nil
	}
	out := samples{}
	for name, v := range after {
		out[name] = v - before[name]
	}
	return out
}

// view compares two scrapes of the same server.
func view(before, after samples) (serverView, bool) {
	dd := delta(before, after)
	if dd == nil {
		return serverView{}, false
	}
	return viewOf(dd), true
}

// viewOf reads a serverView from the change in deadbolt's metrics over a
// window (or several windows, added up).
func viewOf(dd samples) serverView {
	d := func(name string) float64 { return dd[name] }
	var v serverView
	const prefix = `deadbolt_check_duration_seconds_bucket{le="`
	type bucket struct{ le, n float64 }
	var buckets []bucket
	for name := range dd {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			le, err := strconv.ParseFloat(strings.TrimSuffix(rest, `"}`), 64)
			if err == nil && !math.IsInf(le, 1) {
				buckets = append(buckets, bucket{le, d(name)})
			}
		}
	}
	slices.SortFunc(buckets, func(a, b bucket) int { return int(math.Copysign(1, a.le-b.le)) })
	if total := d("deadbolt_check_duration_seconds_count"); total > 0 {
		v.HandlerP99 = -1
		for _, b := range buckets { // cumulative counts
			if b.n >= 0.99*total {
				v.HandlerP99 = b.le * 1000
				break
			}
		}
	}
	if n := d("deadbolt_checklog_batch_size_count"); n > 0 {
		v.Batch = d("deadbolt_checklog_batch_size_sum") / n
	}
	const commit = `deadbolt_store_duration_seconds_%s{op="append_checks"}`
	if n := d(strings.Replace(commit, "%s", "count", 1)); n > 0 {
		v.Commit = d(strings.Replace(commit, "%s", "sum", 1)) / n * 1000
	}
	return v
}

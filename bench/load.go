package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Options describe one load run.
type Options struct {
	// Addr is the server's host:port.
	Addr string
	// Requests are complete serialized HTTP/1.1 requests (see Post); each
	// request sent is one of them chosen at random.
	Requests [][]byte
	// Workers is the number of keep-alive connections, each with one
	// request in flight at a time.
	Workers int
	// Warmup runs before the measured window and is not counted.
	Warmup time.Duration
	// Duration is the measured window.
	Duration time.Duration
	// Rate, when above zero, makes the run open-loop: requests are
	// scheduled at Rate per second in all, whatever the answers take.
	// Zero is closed-loop.
	Rate float64
	// Timeout bounds one request; 0 means 10 s.
	Timeout time.Duration
}

// Result is what a run measured in its window.
type Result struct {
	// OK counts 2xx answers, Errors everything else: other statuses,
	// connection failures and timeouts.
	OK, Errors int
	// Elapsed is the length of the measured window.
	Elapsed time.Duration
	// Latencies of the OK answers, sorted ascending.
	Latencies []time.Duration
	// Statuses counts non-2xx statuses seen, for diagnosis.
	Statuses map[int]int
	// FirstError is one transport or status error, for diagnosis.
	FirstError error
}

// Throughput is OK answers per second of the measured window.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Merge combines results measured one after another, such as the rounds
// of an interleaved comparison, into one: counts and windows add up and the
// latencies are merged, sorted.
func Merge(rs ...Result) Result {
	out := Result{Statuses: map[int]int{}}
	for _, r := range rs {
		out.OK += r.OK
		out.Errors += r.Errors
		out.Elapsed += r.Elapsed
		out.Latencies = append(out.Latencies, r.Latencies...)
		for s, n := range r.Statuses {
			out.Statuses[s] += n
		}
		if out.FirstError == nil {
			out.FirstError = r.FirstError
		}
	}
	slices.Sort(out.Latencies)
	return out
}

// Percentile returns the p-th percentile latency (nearest rank).
func (r Result) Percentile(p float64) time.Duration { return Percentile(r.Latencies, p) }

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It returns 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(float64(n)*p/100 + 0.9999999)
	return sorted[min(max(rank, 1), n)-1]
}

// Post serializes a POST of a JSON body to path on host, with extra
// headers given as name, value pairs.
func Post(host, path string, body []byte, header ...string) []byte {
	b := make([]byte, 0, 256+len(body))
	b = append(b, "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n"...)
	for i := 0; i+1 < len(header); i += 2 {
		b = append(b, header[i]...)
		b = append(b, ": "...)
		b = append(b, header[i+1]...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	return append(b, body...)
}

// Run drives load at o.Addr until the warm-up and the measured window have
// passed, or ctx ends. It fails only when it cannot start; failures of
// single requests are counted in the Result.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Workers < 1 || len(o.Requests) == 0 || o.Duration <= 0 {
		return Result{}, errors.New("bench: run needs workers, requests and a duration")
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	start := time.Now()
	from, to := start.Add(o.Warmup), start.Add(o.Warmup+o.Duration)
	ctx, cancel := context.WithDeadline(ctx, to.Add(o.Timeout))
	defer cancel()

	var sched chan time.Time // open loop: when each request should leave
	if o.Rate > 0 {
		sched = make(chan time.Time, 1<<16)
		go pace(ctx, sched, start, to, o.Rate)
	}
	workers := make([]*worker, o.Workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{o: &o, from: from, to: to, rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))}
		workers[i] = w
		wg.Go(func() { w.run(ctx, sched) })
	}
	wg.Wait()

	res := Result{Elapsed: to.Sub(from), Statuses: map[int]int{}}
	for _, w := range workers {
		res.OK += len(w.lat)
		res.Errors += w.errors
		res.Latencies = append(res.Latencies, w.lat...)
		for s, n := range w.statuses {
			res.Statuses[s] += n
		}
		if res.FirstError == nil {
			res.FirstError = w.firstErr
		}
	}
	slices.Sort(res.Latencies)
	return res, nil
}

// pace sends the scheduled start time of each request, Rate per second,
// until to. It sleeps in steps of at least a millisecond and then releases
// every request that has fallen due, so timer granularity does not lower
// the rate.
func pace(ctx context.Context, sched chan<- time.Time, start, to time.Time, rate float64) {
	defer close(sched)
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(to) {
			return
		}
		if wait := time.Until(at); wait > 0 {
			time.Sleep(max(wait, time.Millisecond))
		}
		select {
		case sched <- at:
		case <-ctx.Done():
			return
		}
	}
}

// worker owns one connection.
type worker struct {
	o        *Options
	from, to time.Time
	rng      *rand.Rand

	conn net.Conn
	br   *bufio.Reader

	lat      []time.Duration
	errors   int
	statuses map[int]int
	firstErr error
}

func (w *worker) run(ctx context.Context, sched <-chan time.Time) {
	defer w.close()
	for ctx.Err() == nil {
		var due time.Time // when the request counts from
		if sched != nil {
			var ok bool
			select {
			case due, ok = <-sched:
				if !ok {
					return
				}
			case <-ctx.Done():
				return
			}
		} else {
			due = time.Now()
			if !due.Before(w.to) {
				return
			}
		}
		status, err := w.do(ctx, w.o.Requests[w.rng.IntN(len(w.o.Requests))])
		done := time.Now()
		var inWindow bool
		if sched != nil {
			inWindow = !due.Before(w.from) // the pacer sends nothing due after to
		} else {
			inWindow = !done.Before(w.from) && !done.After(w.to)
		}
		if err == nil && (status < 200 || status > 299) {
			err = fmt.Errorf("status %d", status)
			if inWindow {
				if w.statuses == nil {
					w.statuses = map[int]int{}
				}
				w.statuses[status]++
			}
		}
		switch {
		case err != nil:
			if inWindow {
				w.errors++
				if w.firstErr == nil {
					w.firstErr = err
				}
			}
			if w.conn == nil { // cannot connect: do not spin
				select {
				case <-time.After(10 * time.Millisecond):
				case <-ctx.Done():
				}
			}
		case inWindow:
			w.lat = append(w.lat, done.Sub(due))
		}
	}
}

// do sends req on the worker's connection, dialling it first if needed,
// and reads the whole answer. It drops the connection on any failure.
func (w *worker) do(ctx context.Context, req []byte) (int, error) {
	if w.conn == nil {
		d := net.Dialer{Timeout: w.o.Timeout}
		c, err := d.DialContext(ctx, "tcp", w.o.Addr)
		if err != nil {
			return 0, err
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 4096)
	}
	w.conn.SetDeadline(time.Now().Add(w.o.Timeout))
	if _, err := w.conn.Write(req); err != nil {
		w.close()
		return 0, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		w.close()
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		w.close()
	}
	return resp.StatusCode, err
}

func (w *worker) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn, w.br = nil, nil
	}
}

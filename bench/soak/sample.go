package main

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sample is one reading of one node.
type sample struct {
	at         time.Time
	node       string
	rssMB      float64
	goroutines int
}

// sampler reads every node's resident memory and goroutines each second.
type sampler struct {
	mu      sync.Mutex
	samples []sample
}

func (s *sampler) run(ctx context.Context, c *cluster) {
	hc := &http.Client{Timeout: time.Second}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, n := range c.nodes {
			p := n.current()
			if p == nil {
				continue
			}
			m, err := p.Memory()
			if err != nil {
				continue
			}
			g := goroutines(hc, n.url()+"/metrics")
			if g < 0 {
				continue // paused or down: no reading rather than a wrong one
			}
			s.mu.Lock()
			s.samples = append(s.samples, sample{at: time.Now(), node: n.name, rssMB: float64(m.RSS) / (1 << 20), goroutines: g})
			s.mu.Unlock()
		}
	}
}

// goroutines reads go_goroutines from a Prometheus text page, -1 if it
// cannot.
func goroutines(hc *http.Client, url string) int {
	resp, err := hc.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return int(f)
			}
		}
	}
	return -1
}

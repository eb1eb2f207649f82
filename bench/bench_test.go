package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", []time.Duration{7}, 99, 7},
		{"p50 of 1..100", hundred, 50, 50},
		{"p90 of 1..100", hundred, 90, 90},
		{"p99 of 1..100", hundred, 99, 99},
		{"p100 is the max", hundred, 100, 100},
		{"tiny p is the min", hundred, 0.001, 1},
		{"p50 of 1..4 is the 2nd", []time.Duration{1, 2, 3, 4}, 50, 2},
		{"p51 of 1..4 is the 3rd", []time.Duration{1, 2, 3, 4}, 51, 3},
		{"p99 of 1..10 is the max", hundred[:10], 99, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// countingServer answers every request like the baseline does and counts
// them.
func countingServer(t *testing.T, served *atomic.Int64, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/check" || r.Header.Get("X-Token") == "" || !strings.Contains(string(body), "bench") {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		served.Add(1)
		w.WriteHeader(status)
		io.WriteString(w, BaselineAnswer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func requests(srv *httptest.Server) [][]byte {
	host := strings.TrimPrefix(srv.URL, "http://")
	return [][]byte{
		Post(host, "/check", []byte(`{"integrationType":"bench"}`), "X-Token", "a"),
		Post(host, "/check", []byte(`{"integrationType":"bench","userIP":"192.0.2.1"}`), "X-Token", "b"),
	}
}

func TestRunCountsRequests(t *testing.T) {
	tests := []struct {
		name string
		rate float64
	}{
		{"closed loop", 0},
		{"open loop", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int64
			srv := countingServer(t, &served, http.StatusOK)
			// No warm-up: every request served falls in the window but
			// the last ones, still in flight when it closes.
			res, err := Run(context.Background(), Options{
				Addr: strings.TrimPrefix(srv.URL, "http://"), Requests: requests(srv),
				Workers: 4, Duration: 300 * time.Millisecond, Rate: tt.rate,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 {
				t.Fatalf("errors = %d (%v, statuses %v)", res.Errors, res.FirstError, res.Statuses)
			}
			if res.OK == 0 || len(res.Latencies) != res.OK {
				t.Fatalf("OK = %d, latencies = %d", res.OK, len(res.Latencies))
			}
			if n := served.Load(); int64(res.OK) > n || n > int64(res.OK+4) {
				t.Errorf("server counted %d requests, load generator %d OK (+ at most 4 in flight)", n, res.OK)
			}
			if tt.rate > 0 && res.OK > int(tt.rate*0.3)+1 {
				t.Errorf("open loop at %v/s for 0.3 s sent %d requests", tt.rate, res.OK)
			}
			if !sortedAsc(res.Latencies) {
				t.Error("latencies are not sorted")
			}
		})
	}
}

func TestRunCountsErrorStatuses(t *testing.T) {
	var served atomic.Int64
	srv := countingServer(t, &served, http.StatusServiceUnavailable)
	res, err := Run(context.Background(), Options{
		Addr: strings.TrimPrefix(srv.URL, "http://"), Requests: requests(srv),
		Workers: 2, Duration: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Errors == 0 || res.Statuses[http.StatusServiceUnavailable] != res.Errors {
		t.Errorf("OK = %d, errors = %d, statuses = %v; want only 503 errors", res.OK, res.Errors, res.Statuses)
	}
}

func TestBaselineAnswersFixedJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	Baseline().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/nl3/api/v1/accountProtectionCheck", strings.NewReader(`{}`)))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != BaselineAnswer {
		t.Errorf("got %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

func TestMerge(t *testing.T) {
	a := Result{OK: 2, Errors: 1, Elapsed: time.Second, Latencies: []time.Duration{1, 5}, Statuses: map[int]int{503: 1}}
	b := Result{OK: 3, Elapsed: 2 * time.Second, Latencies: []time.Duration{2, 3, 9}}
	m := Merge(a, b)
	if m.OK != 5 || m.Errors != 1 || m.Elapsed != 3*time.Second || m.Statuses[503] != 1 {
		t.Errorf("Merge counts = %+v", m)
	}
	if want := []time.Duration{1, 2, 3, 5, 9}; !slices.Equal(m.Latencies, want) {
		t.Errorf("Merge latencies = %v, want %v", m.Latencies, want)
	}
	if got := m.Throughput(); got != 5.0/3 {
		t.Errorf("Throughput = %v, want %v", got, 5.0/3)
	}
}

func sortedAsc(d []time.Duration) bool {
	for i := 1; i < len(d); i++ {
		if d[i] < d[i-1] {
			return false
		}
	}
	return true
}

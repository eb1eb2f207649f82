package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// answer is the lock server's fixed reply: unlocked.
const answer = `{"locked":false,"status":"unlocked","message":"This account is unlocked.","sessionID":"01a1fd5e-3b17-7efb-a581-426b2de177fd"}`

func lockEndpoint(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func event(b *testing.B) []byte {
	ev, err := os.ReadFile("../../internal/aws/cognito/testdata/pre_authentication.json")
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

func BenchmarkHandlerOverhead(b *testing.B) {
	srv := lockEndpoint(b)
	key, _ := awstest.Key()
	c, err := client.New(client.Config{URL: srv.URL, Issuer: awstest.Issuer, Key: key, IntegrationType: cognito.IntegrationType})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil)) // the handler logs every invocation, as in Lambda
	ch := cognito.New(cognito.Config{LockedMessage: "locked"}, c, log)
	h := awslambda.NewHandler(ch.Handle)
	bare := bareCheck(b, srv.URL, []byte(`{"userIP":"203.0.113.7","userDevice":"Mozilla/5.0","userLocation":"Madrid, ES","integrationType":"cognito","integrationData":{}}`))
	ev := event(b)
	ctx := context.Background()
	overhead(b, bare, func() error { _, err := h.Invoke(ctx, ev); return err })
}

// bareCheck returns the bare call a handler's cost is measured against:
// the same lock check at url for alice, with a token minted once and a
// fixed body, its answer decoded as the client decodes it.
func bareCheck(b *testing.B, url string, body []byte) func() {
	key, _ := awstest.Key()
	raw, err := token.Mint(token.Key{Algorithm: token.HS256, Secret: key}, token.Claims{Issuer: awstest.Issuer, Subject: "alice",
		Audience: []string{url}, IssuedAt: time.Now().Add(-time.Minute), ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{}
	return func() {
		req, _ := http.NewRequest(http.MethodPost, url+client.DefaultPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(client.TokenHeader, raw)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var d struct {
			Locked bool `json:"locked"`
		}
		json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
	}
}

// overhead interleaves a bare lock-check call with a handler invocation
// that makes the same call, after warming both, and reports the mean
// times and the handler's mean and median cost beyond the bare call.
func overhead(b *testing.B, bare func(), invoke func() error) {
	for range 50 { // warm both connection pools
		bare()
		if err := invoke(); err != nil {
			b.Fatal(err)
		}
	}
	var bareT, handlerT time.Duration
	diffs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		bare()
		t1 := time.Now()
		if err := invoke(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		bareT += t1.Sub(t0)
		handlerT += t2.Sub(t1)
		diffs = append(diffs, t2.Sub(t1)-t1.Sub(t0))
	}
	n := float64(len(diffs))
	sort.Slice(diffs, func(i, j int) bool { return diffs[i] < diffs[j] })
	b.ReportMetric(float64(bareT.Microseconds())/n, "bare-µs/op")
	b.ReportMetric(float64(handlerT.Microseconds())/n, "handler-µs/op")
	b.ReportMetric(float64((handlerT-bareT).Microseconds())/n, "overhead-µs/op")
	b.ReportMetric(float64(diffs[len(diffs)/2].Microseconds()), "overhead-p50-µs")
}

var build struct {
	once sync.Once
	dir  string
	err  error
}

func binaries(b *testing.B) string {
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "deadbolt-bench-lambda-")
		if build.err != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", build.dir+string(filepath.Separator),
			"../../cmd/deadbolt-cognito", "../../cmd/deadbolt-iam").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		b.Fatal(build.err)
	}
	return build.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

func BenchmarkColdStart(b *testing.B) {
	dir := binaries(b)
	srv := lockEndpoint(b)
	_, key := awstest.Key()
	root, err := os.ReadFile("../../internal/aws/iam/testdata/signin_root.json")
	if err != nil {
		b.Fatal(err)
	}
	common := []string{"API_URI=" + srv.URL, "APP_URI=" + awstest.Issuer, "SIGNING_KEY=" + key,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_EC2_METADATA_DISABLED=true", "LOG_LEVEL=error"}
	for _, fn := range []struct {
		name    string
		payload []byte
	}{
		{"deadbolt-cognito", event(b)},
		{"deadbolt-iam", root}, // answered without IAM or lock-check calls
	} {
		b.Run(fn.name, func(b *testing.B) {
			for b.Loop() {
				coldStart(b, filepath.Join(dir, fn.name), common, fn.payload)
			}
		})
	}
}

// coldStart execs bin in local mode and returns when its first invocation
// is answered successfully.
func coldStart(b *testing.B, bin string, env []string, payload []byte) {
	port, err := awstest.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	url := "http://" + addr + "/2015-03-31/functions/f/invocations"
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext}}
	cmd := exec.Command(bin, "--serve", addr)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stderr = &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		b.StopTimer()
		syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
		b.StartTimer()
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := hc.Post(url, "application/json", bytes.NewReader(payload))
		if err != nil {
			time.Sleep(200 * time.Microsecond)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" {
			b.Fatalf("%s answered %d %q\n%s", bin, resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), logs.String())
		}
		return
	}
	b.Fatalf("%s did not answer within 20s\n%s", bin, logs.String())
}

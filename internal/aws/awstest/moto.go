package awstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Region and credentials the clients use against moto.
const (
	Region    = "us-east-1"
	AccessKey = "AKIDMOTOTEST"
	SecretKey = "moto-secret"
)

// Moto is a running moto server.
type Moto struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:40123.
	URL string
	cmd *exec.Cmd
	out *syncWriter
}

// Available reports whether python3 can import moto.
func Available() error {
	out, err := exec.Command("python3", "-c", "import moto").CombinedOutput()
	if err != nil {
		return fmt.Errorf("python3 -c 'import moto': %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Start starts a moto server and waits until it answers.
func Start() (*Moto, error) {
	var lastErr error
	for range 3 { // a port picked free can be taken before moto binds it
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		m, err := start(port)
		if err == nil {
			return m, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(port int) (*Moto, error) {
	out := &syncWriter{b: &strings.Builder{}}
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("awstest: starting moto: %w", err)
	}
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, out: out}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("awstest: moto exited: %s", m.output())
		default:
		}
		resp, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.Close()
	return nil, errors.New("awstest: moto did not answer within 60s")
}

func (m *Moto) output() string {
	m.out.mu.Lock()
	defer m.out.mu.Unlock()
	return m.out.b.String()
}

// Close stops the server (its whole process group, by id).
func (m *Moto) Close() {
	if m == nil || m.cmd.Process == nil {
		return
	}
	syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for range 50 {
			if syscall.Kill(m.cmd.Process.Pid, 0) != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
}

// Reset wipes moto's state.
func (m *Moto) Reset() error {
	resp, err := http.Post(m.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Env returns environment variables pointing an AWS SDK at m.
func (m *Moto) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + m.URL,
		"AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Setenv points this test's process environment (and so an AWS SDK
// configuration loaded from it, as the Lambdas load theirs) at m, for the
// rest of t.
func (m *Moto) Setenv(t testing.TB) {
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Config returns an AWS configuration for m.
func (m *Moto) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		BaseEndpoint: aws.String(m.URL),
	}
}

// IAM returns an IAM client for m.
func (m *Moto) IAM() *iam.Client { return iam.NewFromConfig(m.Config()) }

// SecretsManager returns a Secrets Manager client for m.
func (m *Moto) SecretsManager() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(m.Config())
}

var shared struct {
	sync.Mutex
	m        *Moto
	missing  error // moto cannot be imported
	startErr error // moto is installed but did not start
}

// Shared returns the package's moto server, starting it on first use; it
// skips the test when moto is not installed, unless CI=true. A package that
// uses it runs its tests through Run, which stops it at the end.
func Shared(t testing.TB) *Moto {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.m == nil && shared.missing == nil && shared.startErr == nil {
		if err := Available(); err != nil {
			shared.missing = err
		} else {
			shared.m, shared.startErr = Start()
		}
	}
	switch {
	case shared.missing != nil && os.Getenv("CI") == "true":
		t.Fatalf("moto is required under CI=true: %v", shared.missing)
	case shared.missing != nil:
		t.Skipf("moto is not installed: %v", shared.missing)
	case shared.startErr != nil:
		t.Fatalf("moto is installed but did not start: %v", shared.startErr)
	}
	return shared.m
}

// Stop stops the shared server, if one was started.
func Stop() {
	shared.Lock()
	defer shared.Unlock()
	shared.m.Close()
	shared.m = nil
}

// Run runs the package's tests and then stops the shared server; a
// TestMain calls os.Exit(awstest.Run(m)).
func Run(m *testing.M) int {
	defer Stop()
	return m.Run()
}

// Context returns a context bounded for one test's AWS calls.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

// Write keeps the first 64 KiB of output.
func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.b.Len() > 64<<10 {
		return len(p), nil
	}
	return w.b.Write(p)
}

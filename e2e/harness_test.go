package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// bin is the deadbolt binary built for this test run.
var bin string

func TestMain(m *testing.M) {
	if os.Getenv(writerEnv) != "" { // a child process of a test, not a test run
		os.Exit(writerMain())
	}
	dir, err := os.MkdirTemp("", "deadbolt-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = filepath.Join(dir, "deadbolt")
	args := []string{"build", "-o", bin}
	if os.Getenv("E2E_RACE") != "" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "../cmd/deadbolt")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building deadbolt:", err)
		os.Exit(2)
	}
	code := m.Run()
	pgShared.Drop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// pgShared is the database the PostgreSQL installations of the tests
// share, each in a schema of its own: a database per test forced a
// checkpoint at every drop.
var pgShared pgtest.Shared

// inst is one deadbolt installation: a data directory, and a server when
// started.
type inst struct {
	t       *testing.T
	dir     string
	db      string
	env     []string // more environment for the CLI and the server
	addr    string
	url     string
	srv     *exec.Cmd
	srvLog  *bytes.Buffer
	srvDone chan error
}

func newInst(t *testing.T) *inst {
	t.Helper()
	dir := t.TempDir()
	return &inst{t: t, dir: dir, db: "sqlite:" + filepath.Join(dir, "data", "deadbolt.db")}
}

// result is one CLI run.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %q (stderr %q)", r.stdout, r.stderr)
	}
	return m
}

// run runs the CLI against the installation's database.
func (in *inst) run(args ...string) result {
	in.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "DEADBOLT_DB="+in.db), in.env...)
	cmd.Dir = in.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		in.t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs the CLI and fails the test unless it exits 0.
func (in *inst) ok(args ...string) result {
	in.t.Helper()
	r := in.run(args...)
	if r.code != 0 {
		in.t.Fatalf("deadbolt %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// testClient trusts any certificate, for servers started with a test
// certificate (--tls-cert).
var testClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

// start starts `deadbolt serve` and waits until it is ready.
func (in *inst) start(extra ...string) {
	in.t.Helper()
	if in.addr == "" {
		in.addr = freeAddr(in.t)
		in.url = "http://" + in.addr
	}
	args := append([]string{"serve", "--addr", in.addr}, extra...)
	in.srv = exec.Command(bin, args...)
	in.srv.Env = append(append(os.Environ(), "DEADBOLT_DB="+in.db), in.env...)
	in.srv.Dir = in.dir
	in.srvLog = &bytes.Buffer{}
	in.srv.Stdout, in.srv.Stderr = in.srvLog, in.srvLog
	if err := in.srv.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.srvDone = make(chan error, 1)
	go func(c *exec.Cmd, done chan error) { done <- c.Wait() }(in.srv, in.srvDone)
	in.t.Cleanup(in.kill)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := testClient.Get(in.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-in.srvDone:
			in.t.Fatalf("serve exited early: %v\n%s", err, in.srvLog)
		case <-time.After(50 * time.Millisecond):
		}
	}
	in.t.Fatalf("serve not ready after 20s:\n%s", in.srvLog)
}

// stop sends SIGTERM and waits for a clean exit.
func (in *inst) stop() error {
	in.t.Helper()
	if in.srv == nil {
		return nil
	}
	in.srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.srvDone:
		in.srv = nil
		return err
	case <-time.After(30 * time.Second):
		in.t.Fatalf("serve did not stop within 30s:\n%s", in.srvLog)
		return nil
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (in *inst) kill() {
	if in.srv == nil {
		return
	}
	in.srv.Process.Kill()
	<-in.srvDone
	in.srv = nil
}

// post sends a lock check with a token and returns status and body.
func (in *inst) post(path, tok, body string) (int, map[string]any) {
	in.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", in.url+path, strings.NewReader(body))
	req.Header.Set("x-nl3-authorization-token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		in.t.Fatalf("answer is not JSON: %q", raw)
	}
	return resp.StatusCode, m
}

// setup creates tenant acme, application issuer and a key; it returns the
// key's base64 secret.
func (in *inst) setup(issuer string) string {
	in.t.Helper()
	in.ok("tenant", "create", "acme")
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer)
	k := in.ok("key", "create", "--app", issuer, "--json").json(in.t)
	secret, _ := k["secret"].(string)
	if secret == "" {
		in.t.Fatalf("key create printed no secret: %v", k)
	}
	return secret
}

// jsonDecode reads and closes a JSON answer.
func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

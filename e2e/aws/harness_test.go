package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
)

// Binaries built for this run.
var binDeadbolt, binIAM, binCognito, binAuthorizer string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deadbolt-e2e-aws-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binDeadbolt = filepath.Join(dir, "deadbolt")
	binIAM = filepath.Join(dir, "deadbolt-iam")
	binCognito = filepath.Join(dir, "deadbolt-cognito")
	binAuthorizer = filepath.Join(dir, "deadbolt-authorizer")
	pkgs := []string{"../../cmd/deadbolt-iam", "../../cmd/deadbolt-cognito", "../../cmd/deadbolt-authorizer"}
	if prebuilt := os.Getenv("E2E_DEADBOLT_BIN"); prebuilt != "" {
		binDeadbolt = prebuilt
	} else {
		pkgs = append(pkgs, "../../cmd/deadbolt")
	}
	build := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binaries:", err)
		os.Exit(2)
	}
	code := awstest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a started process, stopped by id when the test ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *awstest.Buffer
	done chan struct{}
}

func start(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), log: &awstest.Buffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.log)
		}
	})
	return p
}

// stop sends SIGTERM and waits (then SIGKILL).
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitHTTP polls until probe succeeds.
func waitHTTP(t *testing.T, p *proc, probe func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("%s exited:\n%s", p.name, p.log)
		default:
		}
		if probe() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not come up:\n%s", p.name, p.log)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := awstest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// deadbolt is one installation: a data directory and, once started, a
// server.
type deadbolt struct {
	t   *testing.T
	db  string
	url string
	srv *proc
}

func newDeadbolt(t *testing.T) *deadbolt {
	return &deadbolt{t: t, db: "sqlite:" + filepath.Join(t.TempDir(), "deadbolt.db")}
}

// cli runs an admin command and returns its stdout; it fails the test on a
// non-zero exit.
func (d *deadbolt) cli(args ...string) string {
	d.t.Helper()
	out, code, stderr := d.try(args...)
	if code != 0 {
		d.t.Fatalf("deadbolt %s: exit %d: %s%s", strings.Join(args, " "), code, out, stderr)
	}
	return out
}

func (d *deadbolt) try(args ...string) (string, int, string) {
	cmd := exec.Command(binDeadbolt, args...)
	// The Lambdas' webhook receivers listen on loopback.
	cmd.Env = append(os.Environ(), "DEADBOLT_DB="+d.db, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		d.t.Fatalf("deadbolt %v: %v", args, err)
	}
	return out.String(), code, errb.String()
}

func (d *deadbolt) cliJSON(args ...string) map[string]any {
	d.t.Helper()
	out := d.cli(append(args, "--json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		d.t.Fatalf("deadbolt %v: not JSON: %q", args, out)
	}
	return m
}

// app creates a tenant and an application and returns the signing key.
func (d *deadbolt) app(tenant, issuer string) string {
	d.t.Helper()
	d.cli("tenant", "create", tenant)
	d.cliJSON("app", "create", "--tenant", tenant, "--name", "AWS", "--issuer", issuer)
	key, _ := d.cliJSON("key", "create", "--app", issuer)["secret"].(string)
	if key == "" {
		d.t.Fatal("key create printed no secret")
	}
	return key
}

func (d *deadbolt) start() {
	d.t.Helper()
	addr := freeAddr(d.t)
	d.url = "http://" + addr
	d.srv = start(d.t, "deadbolt serve", []string{"DEADBOLT_DB=" + d.db}, binDeadbolt, "serve", "--addr", addr, "--allow-private-webhooks")
	waitHTTP(d.t, d.srv, func() bool {
		resp, err := http.Get(d.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// lambdaFn is a Lambda binary running in local mode.
type lambdaFn struct {
	p    *proc
	url  string
	sdk  *lambda.Client
	name string
}

func startLambda(t *testing.T, bin, name string, env []string) *lambdaFn {
	t.Helper()
	return startLambdaAt(t, bin, name, freeAddr(t), env)
}

func startLambdaAt(t *testing.T, bin, name, addr string, env []string) *lambdaFn {
	t.Helper()
	f := &lambdaFn{url: "http://" + addr, name: name}
	f.p = start(t, name, env, bin, "--serve", addr)
	f.sdk = lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.url),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	waitHTTP(t, f.p, func() bool {
		req, _ := http.NewRequest(http.MethodPost, f.url+"/2015-03-31/functions/"+name+"/invocations", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Invocation-Type", "DryRun")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusNoContent
	})
	return f
}

// invoke calls the function through the AWS SDK and returns its payload
// and function error ("" or "Unhandled").
func (f *lambdaFn) invoke(t *testing.T, payload []byte) ([]byte, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := f.sdk.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + f.name),
		Payload:      payload,
	})
	if err != nil {
		t.Fatalf("Invoke %s: %v", f.name, err)
	}
	return out.Payload, aws.ToString(out.FunctionError)
}

// fixture reads an event fixture of the handler packages, substituting
// USERNAME and ROLENAME.
func fixture(t *testing.T, path, user, role string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../internal/aws", path))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "USERNAME", user), "ROLENAME", role))
}

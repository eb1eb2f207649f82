package launch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/deadbolt-dev/deadbolt/internal/aws/launch"
)

func program(newErr error) launch.Program {
	return launch.Program{
		Name: "fn",
		New: func(ctx context.Context, env func(string) string, log *slog.Logger) (lambda.Handler, error) {
			if newErr != nil {
				return nil, newErr
			}
			return lambda.NewHandler(func(in map[string]any) (map[string]any, error) {
				if in["fail"] == true {
					return nil, errors.New("failed on purpose")
				}
				return map[string]any{"got": in["id"], "env": env("X")}, nil
			}), nil
		},
		Actions: []launch.Action{
			{Flag: "once", Usage: "run once", Payload: func(time.Time) []byte { return []byte(`{"id":"local"}`) }},
			{Flag: "fail", Usage: "fail once", Payload: func(time.Time) []byte { return []byte(`{"fail":true}`) }},
		},
	}
}

func run(p launch.Program, env map[string]string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := launch.Main(p, args, launch.IO{Env: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		p       launch.Program
		env     map[string]string
		args    []string
		code    int
		stdout  string
		stderrs []string
	}{
		{"outside Lambda without --serve", program(nil), nil, nil, launch.ExitFailed, "", []string{"not running in AWS Lambda", "--serve"}},
		{"help", program(nil), nil, []string{"--help"}, launch.ExitOK, "", []string{"-serve", "-once"}},
		{"unknown flag", program(nil), nil, []string{"--nope"}, launch.ExitFailed, "", nil},
		{"extra argument", program(nil), nil, []string{"--once", "extra"}, launch.ExitFailed, "", []string{"unexpected arguments"}},
		{"two actions", program(nil), nil, []string{"--once", "--fail"}, launch.ExitFailed, "", []string{"one of"}},
		{"invalid config", program(errors.New("invalid configuration: API_URI: is not set")), nil, []string{"--once"}, launch.ExitConfig, "", []string{"API_URI: is not set", `"level":"ERROR"`}},
		{"action", program(nil), map[string]string{"X": "y"}, []string{"--once"}, launch.ExitOK, "{\n  \"env\": \"y\",\n  \"got\": \"local\"\n}\n", nil},
		{"failing action", program(nil), nil, []string{"--fail"}, launch.ExitFailed, "", []string{"failed on purpose"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.p, tt.env, tt.args...)
			if code != tt.code || stdout != tt.stdout {
				t.Fatalf("exit %d stdout %q stderr %s; want exit %d stdout %q", code, stdout, stderr, tt.code, tt.stdout)
			}
			for _, s := range tt.stderrs {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
}

func TestLogger(t *testing.T) {
	var b bytes.Buffer
	launch.Logger(&b, "warn").Info("hidden")
	launch.Logger(&b, "warn").Warn("shown", "k", 1)
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil || rec["msg"] != "shown" {
		t.Fatalf("log = %s", b.String())
	}
}

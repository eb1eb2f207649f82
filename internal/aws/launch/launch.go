package launch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/deadbolt-dev/deadbolt/internal/aws/invoke"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the handler failed, or usage error
	ExitConfig = 2 // invalid configuration or startup failure
)

// Program describes one Lambda binary.
type Program struct {
	// Name is the binary's name, used in messages and as the local
	// function name.
	Name string
	// Summary is one line for --help.
	Summary string
	// New builds the handler from the environment. Its error should name
	// the offending variables; Main reports it and exits with ExitConfig.
	New func(ctx context.Context, env func(string) string, log *slog.Logger) (lambda.Handler, error)
	// FunctionURL says the local server also serves the handler as a
	// function URL (on every path outside the Invoke API).
	FunctionURL bool
	// Timeout bounds each local invocation, as the function's configured
	// timeout does in Lambda.
	Timeout time.Duration
	// Actions are one-shot flags: each invokes the handler once with its
	// Payload and prints the output.
	Actions []Action
}

// Action is a flag that invokes the handler once.
type Action struct {
	// Flag is the flag name without dashes, e.g. "reconcile".
	Flag string
	// Usage is its help text.
	Usage string
	// Payload returns the event to invoke the handler with.
	Payload func(now time.Time) []byte
}

// IO is the process's environment and streams.
type IO struct {
	Env    func(string) string
	Stdout io.Writer
	Stderr io.Writer
}

// OS returns the real environment and streams.
func OS() IO { return IO{Env: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr} }

// Main runs p with the command-line arguments args (without the program
// name) and returns the exit code.
func Main(p Program, args []string, pio IO) int {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(pio.Stderr)
	serve := fs.String("serve", "", "serve the Lambda Invoke API on `ADDR` (e.g. 127.0.0.1:9001) instead of running in AWS Lambda")
	actions := make([]*bool, len(p.Actions))
	for i, a := range p.Actions {
		actions[i] = fs.Bool(a.Flag, false, a.Usage)
	}
	fs.Usage = func() {
		fmt.Fprintf(pio.Stderr, "%s: %s\n\nIn AWS Lambda it runs as the function's handler. Locally:\n\n", p.Name, p.Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitFailed
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(pio.Stderr, "%s: unexpected arguments %q\n", p.Name, fs.Args())
		return ExitFailed
	}
	action := -1
	for i, set := range actions {
		if *set {
			if action >= 0 || *serve != "" {
				fmt.Fprintf(pio.Stderr, "%s: use one of --serve and the action flags\n", p.Name)
				return ExitFailed
			}
			action = i
		}
	}
	inLambda := pio.Env("AWS_LAMBDA_RUNTIME_API") != ""
	if !inLambda && *serve == "" && action < 0 {
		fmt.Fprintf(pio.Stderr, "%s: not running in AWS Lambda (AWS_LAMBDA_RUNTIME_API is not set); use --serve ADDR to serve the Lambda Invoke API locally\n", p.Name)
		return ExitFailed
	}

	log := Logger(pio.Stderr, pio.Env("LOG_LEVEL"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	h, err := p.New(ctx, pio.Env, log)
	if err != nil {
		log.Error("startup failed", "function", p.Name, "error", err.Error())
		fmt.Fprintf(pio.Stderr, "%s: %s\n", p.Name, strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return ExitConfig
	}

	switch {
	case action >= 0:
		return runOnce(ctx, p, h, p.Actions[action], pio, log)
	case *serve != "":
		srv := &invoke.Server{Default: h, Timeout: p.Timeout, Log: log}
		if p.FunctionURL {
			srv.FunctionURL = h
		}
		err := srv.ListenAndServe(ctx, *serve, func(a net.Addr) {
			log.Info("serving the Lambda Invoke API", "function", p.Name, "addr", a.String(),
				"invoke", "http://"+a.String()+invoke.InvokePrefix+p.Name+"/invocations")
		})
		if err != nil {
			log.Error("local server failed", "error", err.Error())
			return ExitConfig
		}
		return ExitOK
	default:
		lambda.StartHandler(h) // never returns
		return ExitOK
	}
}

func runOnce(ctx context.Context, p Program, h lambda.Handler, a Action, pio IO, log *slog.Logger) int {
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	out, err := h.Invoke(ctx, a.Payload(time.Now()))
	if err != nil {
		log.Error("invocation failed", "action", a.Flag, "error", err.Error())
		fmt.Fprintf(pio.Stderr, "%s --%s: %v\n", p.Name, a.Flag, err)
		return ExitFailed
	}
	var buf bytes.Buffer
	if json.Indent(&buf, out, "", "  ") != nil {
		buf.Reset()
		buf.Write(out)
	}
	buf.WriteByte('\n')
	pio.Stdout.Write(buf.Bytes())
	return ExitOK
}

// Logger returns a JSON logger on w at level (debug, info, warn, error;
// default info).
func Logger(w io.Writer, level string) *slog.Logger {
	var lvl slog.Level
	if lvl.UnmarshalText([]byte(level)) != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
}

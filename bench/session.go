package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// Machine says when and where a benchmark ran, for its report.
type Machine struct {
	Started   time.Time `json:"started"`
	Host      string    `json:"host"`
	CPUs      int       `json:"cpus"`
	GoVersion string    `json:"go_version"`
}

// ThisMachine describes this process's machine, now.
func ThisMachine() Machine {
	host, _ := os.Hostname()
	return Machine{Started: time.Now().UTC(), Host: host, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
}

// Flags are the flags every benchmark's run command takes.
type Flags struct {
	Deadbolt string        `json:"-"`
	Workdir  string        `json:"-"`
	Out      string        `json:"-"`
	Keep     bool          `json:"-"`
	Timeout  time.Duration `json:"-"`
}

// Register adds the flags to fs: workdir says what the work directory
// holds, keep what -keep keeps, timeout is -timeout's default.
func (f *Flags) Register(fs *flag.FlagSet, workdir, keep string, timeout time.Duration) {
	fs.StringVar(&f.Deadbolt, "deadbolt", "", "deadbolt binary to measure (default: go build ./cmd/deadbolt into the work directory)")
	fs.StringVar(&f.Workdir, "workdir", "", workdir+" (default: a new temporary directory, removed afterwards)")
	fs.StringVar(&f.Out, "out", "", "directory for report.md, results.json and server logs (default: report on stdout only)")
	fs.BoolVar(&f.Keep, "keep", false, "keep "+keep)
	fs.DurationVar(&f.Timeout, "timeout", timeout, "give up after this long")
}

// Setup is what Begin prepared.
type Setup struct {
	Work string // the work directory: -workdir, or a new temporary one
	Logs string // where server logs go: -out when set, else Work
	Bin  string // the deadbolt binary: -deadbolt, or one built into Work
}

// Begin starts a run command. Its context ends on SIGINT or SIGTERM and
// after -timeout. Without -workdir the work directory is a new temporary
// one named after prefix, which end removes unless -keep; end also
// cancels the context.
func (f Flags) Begin(prefix string) (ctx context.Context, s Setup, end func(), err error) {
	s = Setup{Work: f.Workdir, Logs: f.Out, Bin: f.Deadbolt}
	temp := s.Work == ""
	if temp {
		if s.Work, err = os.MkdirTemp("", prefix); err != nil {
			return nil, s, nil, err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	end = func() {
		cancel()
		stop()
		if temp && !f.Keep {
			os.RemoveAll(s.Work)
		}
	}
	if s.Logs == "" {
		s.Logs = s.Work
	} else if err = os.MkdirAll(s.Logs, 0o755); err != nil {
		end()
		return nil, s, nil, err
	}
	if s.Bin == "" {
		if s.Bin, err = BuildDeadbolt(ctx, s.Work); err != nil {
			end()
			return nil, s, nil, err
		}
	}
	return ctx, s, end, nil
}

// WriteReport prints text (the Markdown report) and, when out is set,
// saves it as out/report.md and results as out/results.json.
func WriteReport(out, text string, results any) error {
	fmt.Print(text)
	if out == "" {
		return nil
	}
	js, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "report.md"), []byte(text), 0o644)
}

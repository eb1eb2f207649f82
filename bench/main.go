package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main is the entry point the benchmark commands share: "NAME run [flags]"
// calls run, "NAME baseline-server -addr HOST:PORT" serves Baseline until
// SIGTERM. It exits the process.
func Main(name string, run func(args []string) error) {
	if len(os.Args) < 2 {
		fmt.Fprintf(os.Stderr, "usage: %s run [flags] | baseline-server -addr HOST:PORT\n", name)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = run(os.Args[2:])
	case "baseline-server":
		err = baselineServer(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want run or baseline-server", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// baselineServer serves Baseline on every path until SIGTERM.
func baselineServer(args []string) error {
	fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8421", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: *addr, Handler: Baseline(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

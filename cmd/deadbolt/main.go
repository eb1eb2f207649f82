// Command deadbolt is the deadbolt service and its command line.
package main

import (
	"context"
	"os"

	"github.com/deadbolt-dev/deadbolt/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

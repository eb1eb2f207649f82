// Command testsum reads `go test -json` on stdin and prints what a person
// needs: one line per package, the output of every failed test and failed
// build, the skipped tests with their reasons, and two summary lines:
//
//	packages: 41 ok, 1 failed, 3 without tests
//	tests: 812 passed, 2 failed, 9 skipped
//
// The last line is alone on its line in that form (CI reads it). Subtests
// count as tests. It exits 1 when anything failed, so scripts/test keeps
// go test's verdict. Lines that are not JSON are passed through.
//
// Usage: go test -json ./... | go run ./scripts/testsum
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	if failed := summarize(os.Stdin, os.Stdout); failed {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (test2json), build events included.
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string // build-output, build-fail
}

type key struct{ pkg, test string }

// counts are the totals summarize prints.
type counts struct {
	pkgOK, pkgFail, pkgNoTests int
	pass, fail, skip           int
}

func (c counts) String() string {
	return fmt.Sprintf("packages: %d ok, %d failed, %d without tests\ntests: %d passed, %d failed, %d skipped\n",
		c.pkgOK, c.pkgFail, c.pkgNoTests, c.pass, c.fail, c.skip)
}

// summarize reads the stream and writes the report; it reports whether
// anything failed.
func summarize(r io.Reader, w io.Writer) bool {
	var c counts
	out := map[key]*strings.Builder{} // output so far of each test and package
	build := map[string]*strings.Builder{}
	var skipped []string
	failedBuild := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			b := build[e.ImportPath]
			if b == nil {
				b = &strings.Builder{}
				build[e.ImportPath] = b
			}
			b.WriteString(e.Output)
		case "build-fail":
			failedBuild = true
			if b := build[e.ImportPath]; b != nil {
				fmt.Fprintf(w, "--- build of %s failed:\n%s", e.ImportPath, b)
			}
		case "output":
			b := out[k]
			if b == nil {
				b = &strings.Builder{}
				out[k] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			text := ""
			if b := out[k]; b != nil {
				text = b.String()
			}
			delete(out, k)
			if e.Test == "" {
				c.pkg(w, e, text)
				continue
			}
			switch e.Action {
			case "pass":
				c.pass++
			case "fail":
				c.fail++
				fmt.Fprintf(w, "--- FAIL: %s %s (%.2fs)\n%s", e.Package, e.Test, e.Elapsed, indent(text))
			case "skip":
				c.skip++
				skipped = append(skipped, fmt.Sprintf("%s %s: %s", e.Package, e.Test, skipReason(text)))
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "testsum: reading go test output: %v\n", err)
		failedBuild = true
	}
	if len(skipped) > 0 {
		sort.Strings(skipped)
		fmt.Fprintf(w, "\nskipped:\n")
		for _, s := range skipped {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	fmt.Fprintf(w, "\n%s", c)
	return c.fail > 0 || c.pkgFail > 0 || failedBuild
}

// pkg prints a package's one line and counts it. A package that failed
// outside any test (a build error, a panic in TestMain, a timeout) shows
// its output.
func (c *counts) pkg(w io.Writer, e event, text string) {
	switch {
	case e.Action == "fail":
		c.pkgFail++
		fmt.Fprintf(w, "FAIL\t%s (%.2fs)\n", e.Package, e.Elapsed)
		if strings.TrimSpace(text) != "" {
			fmt.Fprint(w, indent(lastLines(text, 40)))
		}
	case e.Action == "skip" || strings.Contains(text, "[no test files]"):
		c.pkgNoTests++
	default:
		c.pkgOK++
		fmt.Fprintf(w, "ok\t%s\t%.2fs\n", e.Package, e.Elapsed)
	}
}

// skipReason is the message t.Skip printed (the test's last output line
// that is not the --- SKIP line itself).
func skipReason(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "--- SKIP") && !strings.HasPrefix(l, "=== ") {
			return l
		}
	}
	return "(no reason given)"
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

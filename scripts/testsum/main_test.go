package main

import (
	"strings"
	"testing"
)

// A stream as `go test -json` writes it: a passing, a failing and a
// skipped test in one package, a package without tests, a package whose
// build failed, and a line that is not JSON.
const stream = `{"Action":"start","Package":"ex/a"}
{"Action":"run","Package":"ex/a","Test":"TestOK"}
{"Action":"output","Package":"ex/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"ex/a","Test":"TestOK","Elapsed":0.01}
{"Action":"run","Package":"ex/a","Test":"TestBad"}
{"Action":"output","Package":"ex/a","Test":"TestBad","Output":"    a_test.go:9: want 2, got 3\n"}
{"Action":"fail","Package":"ex/a","Test":"TestBad","Elapsed":0.02}
{"Action":"run","Package":"ex/a","Test":"TestChromium"}
{"Action":"output","Package":"ex/a","Test":"TestChromium","Output":"    a_test.go:20: Chromium is not installed\n"}
{"Action":"output","Package":"ex/a","Test":"TestChromium","Output":"--- SKIP: TestChromium (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestChromium","Elapsed":0}
{"Action":"output","Package":"ex/a","Output":"FAIL\n"}
{"Action":"fail","Package":"ex/a","Elapsed":0.5}
{"Action":"output","Package":"ex/b","Output":"?   \tex/b\t[no test files]\n"}
{"Action":"skip","Package":"ex/b","Elapsed":0}
{"ImportPath":"ex/c","Action":"build-output","Output":"c.go:3:1: syntax error\n"}
{"ImportPath":"ex/c","Action":"build-fail"}
{"Action":"output","Package":"ex/c","Output":"FAIL\tex/c [build failed]\n"}
{"Action":"fail","Package":"ex/c","Elapsed":0}
# ex/d
`

func TestSummarize(t *testing.T) {
	var b strings.Builder
	failed := summarize(strings.NewReader(stream), &b)
	out := b.String()
	if !failed {
		t.Error("a failing stream is not reported as failed")
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "tests: 1 passed, 1 failed, 1 skipped" {
		t.Errorf("last line %q", last)
	}
	if pk := lines[len(lines)-2]; pk != "packages: 0 ok, 2 failed, 1 without tests" {
		t.Errorf("package line %q", pk)
	}
	for _, want := range []string{"want 2, got 3", "Chromium is not installed", "c.go:3:1: syntax error", "# ex/d"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "=== RUN   TestOK") {
		t.Errorf("output of a passing test is shown:\n%s", out)
	}
}

func TestSummarizeAllPass(t *testing.T) {
	var b strings.Builder
	ok := `{"Action":"pass","Package":"ex/a","Test":"TestOK"}` + "\n" + `{"Action":"pass","Package":"ex/a"}` + "\n"
	if summarize(strings.NewReader(ok), &b) {
		t.Errorf("a passing stream is reported as failed:\n%s", b.String())
	}
}

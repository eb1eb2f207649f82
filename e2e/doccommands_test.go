package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocumentedCommandsExist: every `deadbolt …` command that README.md,
// docs/**/*.md or a portal page names exists in the built binary. Commands
// are taken from code (fenced blocks and `inline code` in Markdown,
// <code> in the portal's templates), so prose like "deadbolt keeps…" is
// not one. A command's words are resolved with --help: a word left over
// after a command that only groups subcommands is an unknown subcommand.
func TestDocumentedCommandsExist(t *testing.T) {
	cmds := map[string][]string{} // command words → where named
	add := func(file string, code string) {
		for _, words := range commandsIn(code) {
			k := strings.Join(words, " ")
			if !slices.Contains(cmds[k], file) {
				cmds[k] = append(cmds[k], file)
			}
		}
	}
	var files []string
	files = append(files, "../README.md")
	filepath.WalkDir("../docs", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return nil
	})
	tmpls, _ := filepath.Glob("../internal/portal/templates/*.html")
	files = append(files, tmpls...)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".html") {
			for _, m := range htmlCodeRE.FindAllStringSubmatch(string(raw), -1) {
				add(f, htmlText(m[1]))
			}
			continue
		}
		for _, code := range markdownCode(string(raw)) {
			add(f, code)
		}
	}
	if len(cmds) < 20 {
		t.Fatalf("found only %d documented commands; is the extraction broken? %v", len(cmds), cmds)
	}
	keys := make([]string, 0, len(cmds))
	for k := range cmds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Run(k, func(t *testing.T) {
			if err := resolves(strings.Fields(k)); err != "" {
				t.Errorf("deadbolt %s (named in %s): %s", k, strings.Join(cmds[k], ", "), err)
			}
		})
	}
}

// TestDocumentedCommandsCatchesUnknown: the check above fails on the
// commands it must fail on.
func TestDocumentedCommandsCatchesUnknown(t *testing.T) {
	for _, words := range [][]string{{"key", "register"}, {"account", "unlok"}, {"frobnicate"}} {
		if resolves(words) == "" {
			t.Errorf("deadbolt %s resolves", strings.Join(words, " "))
		}
	}
	for _, words := range [][]string{{"tenant", "create", "acme"}, {"backup"}, {"account", "unlock"}} {
		if err := resolves(words); err != "" {
			t.Errorf("deadbolt %s: %s", strings.Join(words, " "), err)
		}
	}
	got := commandsIn("createdb -O deadbolt deadbolt_x\n$ deadbolt key create --app X\nexec deadbolt check --url U # deadbolt decides\n" +
		"DEADBOLT_LOG_FORMAT=json deadbolt serve\nKEY=$(deadbolt token mint --issuer I)\n")
	want := [][]string{{"key", "create"}, {"check"}, {"serve"}, {"token", "mint"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("commandsIn: %q, want %q", got, want)
	}
}

var (
	htmlCodeRE = regexp.MustCompile(`(?s)<code[^>]*>(.*?)</code>`)
	tagRE      = regexp.MustCompile(`<[^>]+>`)
	// A command: deadbolt where a shell command starts (a line, after an
	// optional prompt and environment assignments; after |, ;, &&, $(,
	// a backtick, exec or sudo), then its lower-case words up to the first
	// flag, placeholder or punctuation. `createdb -O deadbolt x` is not one.
	commandRE = regexp.MustCompile(`(?:^\s*(?:\$\s+)?|[|;&(\x60]\s*|\b(?:exec|sudo)\s+)(?:[A-Z_][A-Z0-9_]*=\S*\s+)*deadbolt((?: [a-z][a-z0-9-]*)+)`)
	fenceRE   = regexp.MustCompile("^\\s*(```|~~~)\\s*([A-Za-z]*)")
)

func htmlText(s string) string {
	s = tagRE.ReplaceAllString(s, "")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&quot;", `"`).Replace(s)
}

// markdownCode returns the code of a Markdown file: shell-like fenced
// blocks and inline code spans.
func markdownCode(md string) []string {
	var out []string
	var block strings.Builder
	in, shell := false, false
	for _, line := range strings.Split(md, "\n") {
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			if in {
				if shell {
					out = append(out, block.String())
				}
				block.Reset()
				in = false
				continue
			}
			in = true
			switch strings.ToLower(m[2]) {
			case "", "sh", "bash", "shell", "console", "text":
				shell = true
			default:
				shell = false
			}
			continue
		}
		if in {
			block.WriteString(line + "\n")
			continue
		}
		parts := strings.Split(line, "`")
		for i := 1; i < len(parts); i += 2 {
			out = append(out, parts[i])
		}
	}
	return out
}

// commandsIn finds the deadbolt commands in shell-like code, without
// comments.
func commandsIn(code string) [][]string {
	var out [][]string
	for _, line := range strings.Split(code, "\n") {
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		for _, m := range commandRE.FindAllStringSubmatch(line, -1) {
			out = append(out, strings.Fields(m[1]))
		}
	}
	return out
}

// resolves runs `deadbolt WORDS --help` and says what is wrong ("" when
// the words name a command, possibly followed by its arguments).
func resolves(words []string) string {
	cmd := exec.Command(bin, append(slices.Clone(words), "--help")...)
	cmd.Env = append(os.Environ(), "DEADBOLT_DB=sqlite:"+filepath.Join(os.TempDir(), "deadbolt-doc-check-none", "x.db"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "--help failed: " + strings.TrimSpace(errb.String())
	}
	// The help's usage lines name the command it describes.
	help := out.String()
	_, usage, ok := strings.Cut(help, "Usage:\n")
	if !ok {
		return "--help printed no usage"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(usage), "\n")
	path := []string{}
	for _, f := range strings.Fields(first)[1:] { // after "deadbolt"
		if !regexp.MustCompile(`^[a-z][a-z0-9-]*$`).MatchString(f) {
			break
		}
		path = append(path, f)
	}
	if len(path) > len(words) || !slices.Equal(path, words[:len(path)]) {
		return "help describes deadbolt " + strings.Join(path, " ")
	}
	if len(words) > len(path) && strings.Contains(help, "Available Commands:") {
		return "no subcommand " + words[len(path)] + " of deadbolt " + strings.Join(path, " ")
	}
	return ""
}

// TestDocumentedPasswordGenerator: the PG_PASSWORD the compose file and
// docs/deploy.md generate goes inside a postgres:// URL, so it must not
// contain characters a URL gives a meaning to (base64's / and +).
func TestDocumentedPasswordGenerator(t *testing.T) {
	gen := regexp.MustCompile(`printf 'PG_PASSWORD=%s\\n' "(\$\(.*\))"`)
	safe := regexp.MustCompile(`^[A-Za-z0-9_-]{16,}$`)
	found := 0
	for _, f := range []string{"../deploy/compose/compose.yaml", "../docs/deploy.md"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range gen.FindAllStringSubmatch(string(raw), -1) {
			found++
			for range 40 {
				out, err := exec.Command("sh", "-c", "printf %s \""+m[1]+"\"").Output()
				if err != nil {
					t.Fatalf("%s: %s: %v", f, m[1], err)
				}
				if !safe.Match(out) {
					t.Fatalf("%s: %s generated %q, which is not URL-safe", f, m[1], out)
				}
			}
		}
	}
	if found < 2 {
		t.Fatalf("found %d PG_PASSWORD generators, want the compose file's and deploy.md's", found)
	}
}

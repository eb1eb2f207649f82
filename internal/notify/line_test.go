package notify_test

import (
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "Firefox on Linux", 200, "Firefox on Linux"},
		{"line breaks", "curl\r\nBcc: x@evil.test\n\nApprove at https://evil.test", 200, "curl Bcc: x@evil.test Approve at https://evil.test"},
		{"control characters", "a\x00b\x1b[31mc\x7fd\te", 200, "a b [31mc d e"},
		{"unicode separators and bidi overrides", "safe\u2028line\u2029para\u202etxt.exe", 200, "safe line para txt.exe"},
		{"ends trimmed", "  \n padded \t ", 200, "padded"},
		{"invalid UTF-8", "ok\xff\xfeok", 200, "ok ok"},
		{"cut", "abcdefgh", 5, "abcde…"},
		{"cut at a space", "abcd efgh", 4, "abcd…"},
		{"empty", "", 10, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := notify.Line(tc.in, tc.max)
			if got != tc.want {
				t.Fatalf("Line(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if !utf8.ValidString(got) || strings.ContainsAny(got, "\r\n\t\x00") {
				t.Fatalf("Line(%q) = %q is not one clean line", tc.in, got)
			}
		})
	}
}

// TestMultiLineDeviceInMail: a lock check's userDevice with line breaks
// reaches the owner's mail as one line of the Device field; it cannot
// write paragraphs or headers of its own.
func TestMultiLineDeviceInMail(t *testing.T) {
	e := newNoticeEnv(t)
	ctx := t.Context()
	st, err := e.store.CheckState(ctx, e.app.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	device := "curl\r\nBcc: victim@evil.test\r\n\r\nIf this is you, approve here instead: https://evil.test/approve\n"
	q := &access.Requests{Store: e.store, Clock: e.clock, Notify: []string{store.ChannelEmail}}
	if err := q.Raise(ctx, e.app, st, check.Request{IP: "203.0.113.7\n198.51.100.1", Device: device, Location: "Madrid\x1b[2J"}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.runOnce(1)
	m := e.smtp.Wait(t)
	msg, err := netmail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := msg.Header["Bcc"]; ok || strings.Contains(m.To, "evil") {
		t.Fatalf("the device wrote a header: %v", msg.Header)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Data)))
	if err != nil {
		t.Fatal(err)
	}
	var deviceLines int
	for _, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "If this is you, approve here") || strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "198.51.100.1") {
			t.Errorf("the request's context wrote a line of its own: %q", line)
		}
		if strings.HasPrefix(line, "Device:") {
			deviceLines++
			if !strings.Contains(line, "curl Bcc: victim@evil.test If this is you") {
				t.Errorf("device line %q", line)
			}
		}
		if strings.Contains(line, "\x1b") {
			t.Errorf("a control character reached the mail: %q", line)
		}
	}
	if deviceLines != 1 {
		t.Fatalf("%d Device lines in the text part, want 1:\n%s", deviceLines, body)
	}
}

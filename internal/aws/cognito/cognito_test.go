package cognito_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
)

const lockedMessage = "Sign-in blocked: unlock your account in deadbolt"

func fixture(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t *testing.T, url string, mode client.FailMode, timeout time.Duration) *client.Client {
	t.Helper()
	key, _ := awstest.Key()
	c, err := client.New(client.Config{URL: url, Issuer: awstest.Issuer, Key: key, FailMode: mode,
		Timeout: timeout, IntegrationType: cognito.IntegrationType})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newHandler(t *testing.T, url string, cfg cognito.Config) (*cognito.Handler, *awstest.Buffer) {
	t.Helper()
	logs := &awstest.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.LockedMessage == "" {
		cfg.LockedMessage = lockedMessage
	}
	return cognito.New(cfg, newClient(t, url, cfg.FailMode, 300*time.Millisecond), log), logs
}

func TestFixtures(t *testing.T) {
	srv := awstest.NewLockServer(t)
	srv.SetLocked("alice", false)
	srv.SetLocked("bob", true)
	srv.SetLocked("carol", true)
	tests := []struct {
		fixture string
		locked  map[string]bool
		cfg     cognito.Config
		deny    bool
		checked string // account checked; "" = no check
	}{
		{fixture: "pre_authentication.json", checked: "alice"},
		{fixture: "pre_authentication_bad_additional_data.json", deny: true, checked: "bob"},
		{fixture: "pre_authentication_no_validation_data.json", deny: true, checked: "carol"},
		{fixture: "pre_authentication_user_not_found.json"},
		{fixture: "post_authentication.json", checked: "alice"},
		{fixture: "post_authentication_cognito_local.json", checked: "bob", deny: true},
		{fixture: "pre_authentication.json", cfg: cognito.Config{ClientIDs: []string{"some-other-client"}}},
		{fixture: "pre_authentication.json", cfg: cognito.Config{ClientIDs: []string{"x", "4b9f2c0hvq8l2p3example"}}, checked: "alice"},
		{fixture: "pre_authentication.json", cfg: cognito.Config{AccountAttribute: "email"}, checked: "alice@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			h, _ := newHandler(t, srv.URL, tt.cfg)
			before := len(srv.Checks())
			in := fixture(t, tt.fixture)
			out, err := h.Handle(context.Background(), in)
			checks := srv.Checks()[before:]
			switch {
			case tt.checked == "" && len(checks) != 0:
				t.Fatalf("checked %v; want no check", checks)
			case tt.checked != "" && (len(checks) != 1 || checks[0].Account != tt.checked):
				t.Fatalf("checks = %+v; want one for %q", checks, tt.checked)
			}
			if tt.deny {
				if !errors.Is(err, cognito.ErrLocked) || err.Error() != lockedMessage {
					t.Fatalf("Handle = %v; want the locked message", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("event not returned unchanged:\n%s", out)
			}
		})
	}
}

func TestCheckContext(t *testing.T) {
	srv := awstest.NewLockServer(t)
	h, logs := newHandler(t, srv.URL, cognito.Config{})
	if _, err := h.Handle(context.Background(), fixture(t, "pre_authentication.json")); err != nil {
		t.Fatal(err)
	}
	c := srv.Checks()[0]
	want := map[string]string{"userIP": `"203.0.113.7"`, "userDevice": `"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"`,
		"userLocation": `"Madrid, ES"`, "integrationType": `"cognito"`}
	for k, v := range want {
		if string(c.Body[k]) != v {
			t.Errorf("%s = %s, want %s", k, c.Body[k], v)
		}
	}
	var data map[string]any
	json.Unmarshal(c.Body["integrationData"], &data)
	if add, ok := data["additionalData"].(map[string]any); !ok || add["loc"] != "40.4168,-3.7038" {
		t.Errorf("integrationData.additionalData = %#v, want the parsed JSON", data["additionalData"])
	}
	if data["trigger"] != cognito.TriggerPreAuthentication || data["userPoolId"] != "us-east-1_AbCdEf123" {
		t.Errorf("integrationData = %v", data)
	}
	if !strings.Contains(logs.String(), `"msg":"sign-in allowed"`) {
		t.Errorf("no decision logged: %s", logs)
	}

	// Bad additionalData: logged, sent on as the raw string.
	srv.SetLocked("bob", false)
	if _, err := h.Handle(context.Background(), fixture(t, "pre_authentication_bad_additional_data.json")); err != nil {
		t.Fatal(err)
	}
	c = srv.Checks()[1]
	json.Unmarshal(c.Body["integrationData"], &data)
	if data["additionalData"] != "{not json" {
		t.Errorf("bad additionalData sent as %#v, want the raw string", data["additionalData"])
	}
	if !strings.Contains(logs.String(), "additionalData is not valid JSON") {
		t.Errorf("bad additionalData not logged: %s", logs)
	}
	// The location falls back to additionalData.loc only when location is empty.
	in := strings.Replace(string(fixture(t, "pre_authentication.json")), `"location": "Madrid, ES",`, "", 1)
	h.Handle(context.Background(), json.RawMessage(in))
	if got := string(srv.Checks()[2].Body["userLocation"]); got != `"40.4168,-3.7038"` {
		t.Errorf("userLocation without location = %s, want additionalData.loc", got)
	}
}

func TestUnsupportedEvents(t *testing.T) {
	srv := awstest.NewLockServer(t)
	h, _ := newHandler(t, srv.URL, cognito.Config{})
	for _, in := range []json.RawMessage{fixture(t, "define_auth_challenge.json"), json.RawMessage(`{}`),
		json.RawMessage(`[1]`), json.RawMessage(`{"triggerSource":"PreAuthentication_Authentication","request":7}`)} {
		if _, err := h.Handle(context.Background(), in); !errors.Is(err, cognito.ErrEvent) {
			t.Errorf("Handle(%.40s) = %v, want ErrEvent", in, err)
		}
	}
	if n := len(srv.Checks()); n != 0 {
		t.Errorf("%d checks for unsupported events", n)
	}
}

// refusedURL returns the URL of a port where nothing listens.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

// hangingURL returns the URL of a server that never answers.
func hangingURL(t *testing.T) string {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL
}

func TestFailModes(t *testing.T) {
	answering := func(status int, body string) string {
		srv := awstest.NewLockServer(t)
		srv.Answer = func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, body)
		}
		return srv.URL
	}
	servers := []struct {
		name   string
		url    string
		reason string // expected in the logged reason
	}{
		{"deadbolt stopped", refusedURL(t), "connection refused"},
		{"deadbolt hangs", hangingURL(t), "deadline exceeded"},
		{"deadbolt 503", answering(503, `{"error":"unavailable","message":"store down"}`), "503"},
		{"locked is a string", answering(200, `{"locked":"true"}`), "not a JSON boolean"},
	}
	for _, s := range servers {
		for _, mode := range []client.FailMode{client.FailClosed, client.FailOpen} {
			t.Run(s.name+"/"+string(mode), func(t *testing.T) {
				h, logs := newHandler(t, s.url, cognito.Config{FailMode: mode})
				start := time.Now()
				in := fixture(t, "pre_authentication.json")
				out, err := h.Handle(context.Background(), in)
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("took %v; the check timeout is 300ms", d)
				}
				if mode == client.FailClosed {
					if !errors.Is(err, cognito.ErrUndecided) || !errors.Is(err, client.ErrUndecided) || err.Error() != lockedMessage {
						t.Fatalf("fail closed: Handle = %v; want a denial with the locked message", err)
					}
				} else if err != nil || !bytes.Equal(out, in) {
					t.Fatalf("fail open: Handle = %v; want the event back", err)
				}
				if !strings.Contains(logs.String(), "FAIL_MODE="+string(mode)) || !strings.Contains(logs.String(), s.reason) {
					t.Errorf("log lacks the fail mode or reason %q:\n%s", s.reason, logs)
				}
			})
		}
	}
}

func TestNilLogger(t *testing.T) {
	srv := awstest.NewLockServer(t)
	h := cognito.New(cognito.Config{LockedMessage: "x"}, newClient(t, srv.URL, "", time.Second), nil)
	if _, err := h.Handle(context.Background(), fixture(t, "pre_authentication.json")); err != nil {
		t.Fatal(err)
	}
}

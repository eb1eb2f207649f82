package invoke_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/deadbolt-dev/deadbolt/internal/aws/invoke"
)

type LockedError struct{ msg string }

func (e *LockedError) Error() string { return e.msg }

type input struct {
	Name  string `json:"name"`
	Fail  string `json:"fail"`
	Panic string `json:"panic"`
	Sleep int    `json:"sleepMs"`
}

var calls atomic.Int64

func echo(ctx context.Context, in input) (map[string]any, error) {
	calls.Add(1)
	if in.Sleep > 0 {
		select {
		case <-time.After(time.Duration(in.Sleep) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if in.Panic != "" {
		panic(in.Panic)
	}
	if in.Fail != "" {
		return nil, &LockedError{in.Fail}
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, hasDeadline := ctx.Deadline()
	return map[string]any{"hello": in.Name, "arn": lc.InvokedFunctionArn, "requestId": lc.AwsRequestID, "deadline": hasDeadline}, nil
}

func server(t *testing.T, s *invoke.Server) string {
	s.Log = slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func post(t *testing.T, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFunctionName(t *testing.T) {
	for in, want := range map[string]string{
		"preauth":      "preauth",
		"preauth:live": "preauth",
		"arn:aws:lambda:us-east-1:123456789012:function:preauth":         "preauth",
		"arn:aws:lambda:eu-west-1:123456789012:function:preauth:$LATEST": "preauth",
		"123456789012:function:preauth":                                  "preauth",
	} {
		if got := invoke.FunctionName(in); got != want {
			t.Errorf("FunctionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInvoke(t *testing.T) {
	base := server(t, &invoke.Server{Functions: map[string]lambda.Handler{"echo": lambda.NewHandler(echo)}, Timeout: 200 * time.Millisecond})
	path := func(name string) string {
		return base + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	}

	tests := []struct {
		name, fn, body string
		hdr            map[string]string
		status         int
		fnError        string
		want           []string // substrings of the body
	}{
		{"ok", "echo", `{"name":"ann"}`, nil, 200, "", []string{`"hello":"ann"`, `function:echo"`, `"deadline":true`}},
		{"by ARN", "arn:aws:lambda:us-east-1:123456789012:function:echo:prod", `{"name":"b"}`, nil, 200, "", []string{`"hello":"b"`}},
		{"empty payload", "echo", ``, nil, 200, "", []string{`"hello":""`}},
		{"handler error", "echo", `{"fail":"account locked"}`, nil, 200, "Unhandled", []string{`"errorMessage":"account locked"`, `"errorType":"LockedError"`}},
		{"panic", "echo", `{"panic":"boom"}`, nil, 200, "Unhandled", []string{`"errorMessage":"boom"`, `"errorType":"string"`}},
		{"timeout", "echo", `{"sleepMs":2000}`, nil, 200, "Unhandled", []string{`"errorMessage":"`}},
		{"bad json", "echo", `{"name":`, nil, 400, "", []string{"InvalidRequestContentException"}},
		{"wrong type", "echo", `{"name":7}`, nil, 200, "Unhandled", []string{`"errorType":"UnmarshalTypeError"`}},
		{"unknown function", "nope", `{}`, nil, 404, "", []string{"ResourceNotFoundException", "function:nope"}},
		{"dry run", "echo", `{}`, map[string]string{"X-Amz-Invocation-Type": "DryRun"}, 204, "", nil},
		{"bad invocation type", "echo", `{}`, map[string]string{"X-Amz-Invocation-Type": "Sometimes"}, 400, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, path(tt.fn), tt.body, tt.hdr)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amz-Function-Error") != tt.fnError {
				t.Fatalf("%d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body %s lacks %s", body, w)
				}
			}
		})
	}

	big := `{"name":"` + strings.Repeat("x", invoke.MaxPayload) + `"}`
	if resp, _ := post(t, path("echo"), big, nil); resp.StatusCode != 413 {
		t.Errorf("oversized payload: %d", resp.StatusCode)
	}
	if resp, _ := post(t, base+"/2015-03-31/functions/echo/other", `{}`, nil); resp.StatusCode != 404 {
		t.Errorf("unknown operation: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, path("echo"), nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode == 200 {
		t.Errorf("GET invocations: %v %v", resp.StatusCode, err)
	}
}

func TestEventInvocation(t *testing.T) {
	s := &invoke.Server{Default: lambda.NewHandler(echo)}
	base := server(t, s)
	before := calls.Load()
	resp, _ := post(t, base+"/2015-03-31/functions/anything/invocations", `{"name":"async"}`, map[string]string{"X-Amz-Invocation-Type": "Event"})
	if resp.StatusCode != 202 {
		t.Fatalf("Event: %d", resp.StatusCode)
	}
	s.Wait()
	if calls.Load() != before+1 {
		t.Fatalf("Event invocation did not run")
	}
}

func TestFunctionURL(t *testing.T) {
	var got events.LambdaFunctionURLRequest
	h := lambda.NewHandler(func(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		got = req
		if req.RawPath == "/fail" {
			return events.LambdaFunctionURLResponse{}, errors.New("secret detail")
		}
		if req.RawPath == "/plain" {
			return events.LambdaFunctionURLResponse{StatusCode: 0}, nil
		}
		return events.LambdaFunctionURLResponse{StatusCode: 201, Headers: map[string]string{"X-Test": "1"},
			Body: base64.StdEncoding.EncodeToString([]byte("bin\x00")), IsBase64Encoded: true}, nil
	})
	base := server(t, &invoke.Server{FunctionURL: h})

	resp, body := post(t, base+"/hook?a=1&b=2", `{"x":1}`, map[string]string{"Content-Type": "application/json", "Deadbolt-Signature": "t=1,v1=ab"})
	if resp.StatusCode != 201 || resp.Header.Get("X-Test") != "1" || body != "bin\x00" {
		t.Fatalf("response: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if got.Version != "2.0" || got.RawPath != "/hook" || got.RawQueryString != "a=1&b=2" || got.QueryStringParameters["b"] != "2" ||
		got.Headers["deadbolt-signature"] != "t=1,v1=ab" || got.Body != `{"x":1}` || got.IsBase64Encoded ||
		got.RequestContext.HTTP.Method != "POST" || got.RequestContext.HTTP.SourceIP != "127.0.0.1" {
		t.Fatalf("request event = %+v", got)
	}

	post(t, base+"/bin", "\x00\x01\xff", map[string]string{"Content-Type": "application/octet-stream"})
	if b, _ := base64.StdEncoding.DecodeString(got.Body); !got.IsBase64Encoded || !bytes.Equal(b, []byte("\x00\x01\xff")) {
		t.Fatalf("binary body: %+v", got)
	}
	if resp, body := post(t, base+"/fail", "", nil); resp.StatusCode != 502 || strings.Contains(body, "secret detail") {
		t.Fatalf("handler error: %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, base+"/plain", "", nil); resp.StatusCode != 200 {
		t.Fatalf("zero status: %d %s", resp.StatusCode, body)
	}

	// Outputs that are not a response description are a 200 JSON body.
	raw := lambda.NewHandler(func() (map[string]int, error) { return map[string]int{"n": 1}, nil })
	base = server(t, &invoke.Server{FunctionURL: raw})
	if resp, body := post(t, base+"/", "", nil); resp.StatusCode != 200 || strings.TrimSpace(body) != `{"n":1}` {
		t.Fatalf("plain output: %d %s", resp.StatusCode, body)
	}
}

func TestErrorPayload(t *testing.T) {
	e := invoke.ErrorPayload(&LockedError{"x"})
	if e.Type != "LockedError" || e.Message != "x" {
		t.Fatalf("%+v", e)
	}
	b, _ := json.Marshal(invoke.ErrorPayload(errors.New("y")))
	if string(b) != `{"errorMessage":"y","errorType":"errorString"}` {
		t.Fatalf("%s", b)
	}
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	s := &invoke.Server{Default: lambda.NewHandler(echo), Log: slog.New(slog.DiscardHandler)}
	go func() {
		done <- s.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addr <- a.String() })
	}()
	a := <-addr
	resp, body := post(t, "http://"+a+"/2015-03-31/functions/f/invocations", `{"name":"x"}`, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"hello":"x"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
}

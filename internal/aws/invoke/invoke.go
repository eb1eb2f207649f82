package invoke

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Limits and defaults, as in the Lambda service.
const (
	// MaxPayload is the largest synchronous request or response payload.
	MaxPayload = 6 << 20
	// DefaultTimeout is the invocation timeout when Server.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// InvokePrefix starts every Invoke API path.
	InvokePrefix = "/2015-03-31/functions/"
	// AccountID is the account number in the ARNs the server makes up.
	AccountID = "000000000000"
)

// Server serves Lambda handlers over HTTP. Set its fields before calling
// Handler; the http.Handler it returns is safe for concurrent use.
type Server struct {
	// Functions maps function names to handlers.
	Functions map[string]lambda.Handler
	// Default, when set, answers invocations of any name not in Functions
	// (a binary serving one function accepts any name, like the Lambda
	// runtime interface emulator).
	Default lambda.Handler
	// FunctionURL, when set, serves every path outside the Invoke API as
	// that handler's function URL.
	FunctionURL lambda.Handler
	// Timeout bounds each invocation; default DefaultTimeout.
	Timeout time.Duration
	// Region appears in the function ARNs put in the invocation context;
	// default us-east-1.
	Region string
	// Log receives one record per invocation; default slog.Default().
	Log *slog.Logger

	background sync.WaitGroup
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+InvokePrefix+"{name}/invocations", s.invoke)
	mux.HandleFunc(InvokePrefix, func(w http.ResponseWriter, r *http.Request) {
		awsError(w, http.StatusNotFound, "UnknownOperationException", "unknown operation "+r.Method+" "+r.URL.Path)
	})
	if s.FunctionURL != nil {
		mux.HandleFunc("/", s.functionURL)
	}
	return mux
}

// Wait waits for background (Event) invocations to finish.
func (s *Server) Wait() { s.background.Wait() }

// FunctionName extracts the function name from the {name} of an Invoke
// path: a plain name, name:qualifier, or a function ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]).
func FunctionName(s string) string {
	if i := strings.LastIndex(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	name, _, _ := strings.Cut(s, ":")
	return name
}

func (s *Server) lookup(name string) (lambda.Handler, bool) {
	if h, ok := s.Functions[name]; ok {
		return h, true
	}
	return s.Default, s.Default != nil
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	name := FunctionName(r.PathValue("name"))
	h, ok := s.lookup(name)
	if !ok {
		awsError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+s.arn(name))
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		awsError(w, http.StatusBadRequest, "InvalidRequestContentException", "reading the payload: "+err.Error())
		return
	}
	if len(payload) > MaxPayload {
		awsError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", fmt.Sprintf("request payload is larger than %d bytes", MaxPayload))
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}") // the SDK sends no body for an empty payload
	}
	if !json.Valid(payload) {
		awsError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not parse request body into json")
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "", "RequestResponse":
	case "Event":
		s.background.Go(func() {
			s.call(context.WithoutCancel(r.Context()), name, h, payload)
		})
		w.WriteHeader(http.StatusAccepted)
		return
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		awsError(w, http.StatusBadRequest, "InvalidParameterValueException", "unknown X-Amz-Invocation-Type "+typ)
		return
	}
	out, err := s.call(r.Context(), name, h, payload)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		json.NewEncoder(w).Encode(ErrorPayload(err))
		return
	}
	if len(out) > MaxPayload {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		json.NewEncoder(w).Encode(Error{Message: "response payload is too large", Type: "Function.ResponseSizeTooLarge"})
		return
	}
	w.Write(out)
}

// Error is the body of a failed invocation, as Lambda sends it.
type Error struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// Error returns the message.
func (e Error) Error() string { return e.Message }

// ErrorPayload describes err as Lambda does: its message, and the name of
// its dynamic type (pointer types by their element's name).
func ErrorPayload(err error) Error {
	var e Error
	if errors.As(err, &e) {
		return e
	}
	return Error{Message: err.Error(), Type: typeName(err)}
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// call runs one invocation with the Lambda context and deadline, turning a
// panic into an error as the Lambda runtime does.
func (s *Server) call(ctx context.Context, name string, h lambda.Handler, payload []byte) (out []byte, err error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := requestID()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: id, InvokedFunctionArn: s.arn(name)})
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			// As aws-lambda-go reports panics: the value and its type.
			err = Error{Message: fmt.Sprint(v), Type: typeName(v)}
		}
		lvl, msg := slog.LevelInfo, "invocation"
		attrs := []any{"function", name, "requestId", id, "durationMs", float64(time.Since(start).Microseconds()) / 1000}
		if err != nil {
			lvl = slog.LevelWarn
			attrs = append(attrs, "error", err.Error())
		}
		s.log().Log(ctx, lvl, msg, attrs...)
	}()
	out, err = h.Invoke(ctx, payload)
	if err == nil && ctx.Err() != nil {
		err = Error{Message: fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds()), Type: "Sandbox.Timedout"}
	}
	return out, err
}

func (s *Server) arn(name string) string {
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, AccountID, name)
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// awsError writes an AWS JSON error response.
func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg, "__type": typ})
}

// functionURL serves a request the way a Lambda function URL with
// payload format 2.0 and auth type NONE does.
func (s *Server) functionURL(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil || len(body) > MaxPayload {
		http.Error(w, `{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`, http.StatusRequestEntityTooLarge)
		return
	}
	req := URLRequest(r, body)
	payload, err := json.Marshal(req)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	out, err := s.call(r.Context(), "url", s.FunctionURL, payload)
	if err != nil {
		// Function URLs hide the error from the caller.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, `{"Message":null}`)
		return
	}
	writeURLResponse(w, out)
}

// URLRequest converts an HTTP request and its body into the event a Lambda
// function URL delivers (payload format 2.0).
func URLRequest(r *http.Request, body []byte) events.LambdaFunctionURLRequest {
	headers := make(map[string]string, len(r.Header)+1)
	for k, v := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	headers["host"] = r.Host
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, v := range q {
			query[k] = strings.Join(v, ",")
		}
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.String())
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	now := time.Now().UTC()
	req := events.LambdaFunctionURLRequest{
		Version:               "2.0",
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID:    "anonymous",
			RequestID:    requestID(),
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: "local",
			Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: ip, UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			req.Body = string(body)
		} else {
			req.Body = base64.StdEncoding.EncodeToString(body)
			req.IsBase64Encoded = true
		}
	}
	return req
}

// isText reports whether a content type is delivered as text, as function
// URLs decide it.
func isText(ct string) bool {
	ct = strings.ToLower(ct)
	if ct == "" {
		return false
	}
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") ||
		strings.Contains(ct, "javascript") || strings.Contains(ct, "x-www-form-urlencoded")
}

// writeURLResponse writes a handler's output as a function URL does: a
// JSON object with statusCode is a response description; anything else is
// a 200 JSON body.
func writeURLResponse(w http.ResponseWriter, out []byte) {
	var probe map[string]json.RawMessage
	var resp events.LambdaFunctionURLResponse
	if json.Unmarshal(out, &probe) == nil && probe["statusCode"] != nil && json.Unmarshal(out, &resp) == nil {
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for _, c := range resp.Cookies {
			w.Header().Add("Set-Cookie", c)
		}
		body := []byte(resp.Body)
		if resp.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(resp.Body)
			if err != nil {
				http.Error(w, "Internal Server Error", http.StatusBadGateway)
				return
			}
			body = b
		}
		if resp.StatusCode == 0 {
			resp.StatusCode = http.StatusOK
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

// ListenAndServe serves s on addr until ctx is done, then shuts down
// gracefully. ready, when non-nil, is called with the bound address once
// the listener is open (useful with port 0).
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("invoke: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("invoke: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	s.Wait()
	return err
}

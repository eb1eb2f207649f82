package mgmt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls one deadbolt server with one API token. It is safe for
// concurrent use.
type Client struct {
	base  string
	token string
	http  *http.Client
	// idempotencyKey, when set, is sent with POSTs (WithIdempotencyKey).
	idempotencyKey string
}

// New returns a client of the server at baseURL (https://host[:port])
// that sends token as Authorization: Bearer.
func New(baseURL, token string) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: http.DefaultClient}
}

// WithHTTPClient returns a copy of c that sends its requests with h.
func (c *Client) WithHTTPClient(h *http.Client) *Client {
	cp := *c
	cp.http = h
	return &cp
}

// WithIdempotencyKey returns a copy of c that sends key as the
// Idempotency-Key of its POSTs: the server answers a POST with that key
// once and replays the first answer thereafter.
func (c *Client) WithIdempotencyKey(key string) *Client {
	cp := *c
	cp.idempotencyKey = key
	return &cp
}

// Error is an answer of 400 or more, in the API's one error shape.
type Error struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("deadbolt: %d %s: %s", e.Status, e.Code, e.Message)
}

// Page is one page of a list; Next is "" on the last one.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next_cursor"`
}

// Query holds a list's parameters: cursor, limit and the route's
// filters (application, state, owner, action, actor, …).
type Query map[string]string

func (q Query) encode() string {
	v := url.Values{}
	for k, x := range q {
		if x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// do sends method path with in as the JSON body (none when nil) and
// decodes the answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost && c.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.idempotencyKey)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if w, ok := out.(io.Writer); ok && res.StatusCode < 400 {
		_, err := io.Copy(w, res.Body) // a streamed export
		return err
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		e := &Error{Status: res.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Code == "" {
			e.Code, e.Message = "http_error", strings.TrimSpace(string(b))
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var v T
	err := c.do(ctx, http.MethodGet, path, nil, &v)
	return v, err
}

func send[T any](ctx context.Context, c *Client, method, path string, in any) (T, error) {
	var v T
	err := c.do(ctx, method, path, in, &v)
	return v, err
}

func esc(s string) string { return url.PathEscape(s) }

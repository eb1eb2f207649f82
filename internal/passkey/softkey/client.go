package softkey

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// Client is one browser tab on the portal at Base: it keeps cookies and
// runs ceremonies through the portal's JSON endpoints.
type Client struct {
	// Base is the portal's URL (scheme, host and port), as in its setup
	// links: the cookie jar files cookies under its host.
	Base string
	// HTTP carries the requests; its Jar holds the portal's cookies.
	HTTP *http.Client
}

// NewClient returns a Client for the portal at base with an empty cookie
// jar.
func NewClient(base string) (*Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Jar: jar}}, nil
}

// StatusError is a portal answer other than 2xx; Title and Message are
// what the portal said ({"error", "message"}).
type StatusError struct {
	Path    string
	Code    int
	Title   string
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("softkey: POST %s: %d %s: %s", e.Path, e.Code, e.Title, e.Message)
}

// postJSON posts body as the portal's script does and decodes the answer
// into out.
func (c *Client) postJSON(ctx context.Context, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		var e struct{ Error, Message string }
		json.Unmarshal(data, &e)
		return &StatusError{Path: path, Code: res.StatusCode, Title: e.Error, Message: e.Message}
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = data
		return nil
	}
	return json.Unmarshal(data, out)
}

// Register runs one registration ceremony: it posts fields to begin (the
// form's fields: "token" for a setup link, "email" and "person" for an
// enablement), answers the options with k, and posts the credential and
// the passkey's name to finish. It returns where the portal sends the
// browser next.
func (c *Client) Register(ctx context.Context, k *Key, begin, finish string, fields map[string]string, name string) (string, error) {
	return c.ceremony(ctx, begin, finish, fields, k.Create, map[string]any{"name": name})
}

// Setup registers k through a one-time setup link (…/setup?t=SECRET), as
// the setup page does, which also signs the tab in.
func (c *Client) Setup(ctx context.Context, k *Key, link, name string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("softkey: setup link: %w", err)
	}
	return c.Register(ctx, k, "/setup/begin", "/setup/finish", map[string]string{"token": u.Query().Get("t")}, name)
}

// AddPasskey registers k for the signed-in member (the Passkeys page).
func (c *Client) AddPasskey(ctx context.Context, k *Key, name string) (string, error) {
	return c.Register(ctx, k, "/passkeys/begin", "/passkeys/finish", nil, name)
}

// SignIn signs the tab in with k (the sign-in page) and returns where the
// portal sends the browser next.
func (c *Client) SignIn(ctx context.Context, k *Key) (string, error) {
	return c.Authenticate(ctx, k, "/signin/begin", "/signin/finish")
}

// Authenticate runs one sign-in ceremony with k against begin and finish
// (the sign-in page's, or the step-up page's /stepup/begin?id=…) and
// returns where the portal sends the browser next.
func (c *Client) Authenticate(ctx context.Context, k *Key, begin, finish string) (string, error) {
	return c.Assert(ctx, k, begin, finish, nil)
}

// Assert runs one assertion ceremony other than sign-in (the portal's
// sign-to-approve step): it posts fields to begin, answers the request
// options with k, and posts the assertion to finish. It returns where the
// portal sends the browser next.
func (c *Client) Assert(ctx context.Context, k *Key, begin, finish string, fields map[string]string) (string, error) {
	return c.ceremony(ctx, begin, finish, fields, k.Get, nil)
}

// ceremony posts fields to begin, answers the options it gets back with
// answer (a key's Create or Get), and posts the answer as the credential,
// with more, to finish. It returns where the portal sends the browser next.
func (c *Client) ceremony(ctx context.Context, begin, finish string, fields map[string]string, answer func([]byte) ([]byte, error), more map[string]any) (string, error) {
	if fields == nil {
		fields = map[string]string{}
	}
	var opts json.RawMessage
	if err := c.postJSON(ctx, begin, fields, &opts); err != nil {
		return "", err
	}
	cred, err := answer(opts)
	if err != nil {
		return "", err
	}
	body := map[string]any{"credential": json.RawMessage(cred)}
	maps.Copy(body, more)
	var done struct{ Redirect string }
	if err := c.postJSON(ctx, finish, body, &done); err != nil {
		return "", err
	}
	return done.Redirect, nil
}

// PostForm posts a form as the portal's pages do (same-origin) and returns
// the answer after redirects; the caller closes its body.
func (c *Client) PostForm(ctx context.Context, path string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.HTTP.Do(req)
}

// Get fetches a page; the caller closes its body.
func (c *Client) Get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return nil, err
	}
	return c.HTTP.Do(req)
}

package client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

// A stand-in for a deadbolt server, so the example runs anywhere.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"locked":true,"status":"pending_approval","message":"Approve the unlock request in deadbolt.","sessionID":"c-123"}`)
	}))
}

func Example() {
	srv := exampleServer()
	defer srv.Close()

	// Signing keys are handed out in base64 (as from `deadbolt key create`).
	key, err := client.DecodeKey("3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhs=")
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New(client.Config{
		URL:      srv.URL, // e.g. https://lock.example.com
		Issuer:   "app.example.com",
		Key:      key,
		Timeout:  2 * time.Second,
		FailMode: client.FailClosed,
	})
	if err != nil {
		log.Fatal(err)
	}

	allowed, d, err := c.Allow(context.Background(), "alice", client.Context{IP: "203.0.113.7", Device: "curl/8.5"})
	if err != nil {
		log.Printf("lock check failed (fail mode %s): %v", c.FailMode(), err)
	}
	fmt.Println("allowed:", allowed)
	fmt.Println("status:", d.Status)
	fmt.Println("message:", d.Message)
	// Output:
	// allowed: false
	// status: pending_approval
	// message: Approve the unlock request in deadbolt.
}

func ExampleMiddleware() {
	srv := exampleServer()
	defer srv.Close()
	key, _ := client.DecodeKey("3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhs=")
	c, err := client.New(client.Config{URL: srv.URL, Issuer: "app.example.com", Key: key})
	if err != nil {
		log.Fatal(err)
	}
	// The account comes from the app's own authentication; here a header.
	account := func(r *http.Request) (string, bool) {
		u := r.Header.Get("X-User")
		return u, u != ""
	}
	protected := client.Middleware(c, account)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secret reports")
	}))

	r := httptest.NewRequest(http.MethodGet, "/reports", nil)
	r.Header.Set("X-User", "alice")
	w := httptest.NewRecorder()
	protected.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// 403 {"error":"account_locked","message":"Approve the unlock request in deadbolt."}
}

package siem_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

var record = []byte(`{"tenant":"t1","seq":3,"at":"2026-11-30T08:00:00Z","actor":"cli:root","action":"account.unlocked","target":"account:a","data":{},"prev_hash":"00","hash":"ab"}`)

// decision is a check decision as CheckJob queues it (checklog.JSON).
var decision = []byte(`{"account":"alice","app":"a1","at":"2026-11-30T08:00:00.5Z","device":"","id":"c1","integration_type":"cognito","ip":"203.0.113.7","issuer":"https://wiki.acme.test","kid":"k1","location":"","locked":true,"policy_id":"","status":"locked","tenant":"t1"}`)

// TestSyslogTLS: over tls:// the framed message arrives whole, and the
// delivery is reported once the receiver has read it and closed; an audit
// event and a check decision each have their header and structured data.
func TestSyslogTLS(t *testing.T) {
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	cfg, cert := hs.TLS.Clone(), hs.Certificate()
	hs.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	s := &siem.Syslog{Address: ln.Addr().String(), Host: "node1", Egress: egress.Policy{AllowPrivate: true},
		TLS: &tls.Config{RootCAs: roots, ServerName: "example.com"}}
	for _, c := range []struct {
		m    store.OutboxMessage
		want string
	}{
		{store.OutboxMessage{ID: "m", Payload: record},
			`<109>1 2026-11-30T08:00:00.000000Z node1 deadbolt - account.unlocked [deadbolt@32473 tenant="t1" seq="3"`},
		{store.OutboxMessage{ID: "d", Type: siem.CheckMessageType, Payload: decision},
			`<110>1 2026-11-30T08:00:00.500000Z node1 deadbolt - check.locked [deadbolt@32473 tenant="t1" id="c1" app="a1" account="alice" status="locked" ip="203.0.113.7"] ` + string(decision)},
	} {
		got := make(chan string, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				got <- err.Error()
				return
			}
			b, _ := io.ReadAll(c) // until the sender's close_notify
			c.Close()
			got <- string(b)
		}()
		if err := s.Deliver(t.Context(), c.m); err != nil {
			t.Fatal(err)
		}
		frame := <-got
		n, msg, _ := strings.Cut(frame, " ")
		if !strings.HasPrefix(msg, c.want) || n != strconv.Itoa(len(msg)) {
			t.Fatalf("received %q\nwant %q…", frame, c.want)
		}
	}
	// A decision that is not JSON is given up, not retried.
	err = s.Deliver(t.Context(), store.OutboxMessage{ID: "x", Type: siem.CheckMessageType, Payload: []byte("{")})
	if !errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("undecodable decision: %v, want a permanent failure", err)
	}
}

func TestJSON(t *testing.T) {
	var key, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key = r.Header.Get("Idempotency-Key")
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	client := egress.Policy{AllowPrivate: true}.Client(5 * time.Second)
	j := &siem.JSON{URL: srv.URL + "/in", Client: client}
	if err := j.Deliver(t.Context(), store.OutboxMessage{ID: "m", Payload: record}); err != nil {
		t.Fatal(err)
	}
	if key != "t1:3" || body != string(record) {
		t.Fatalf("key %q body %q", key, body)
	}
	if err := j.Deliver(t.Context(), store.OutboxMessage{ID: "d", Type: siem.CheckMessageType, Payload: decision}); err != nil {
		t.Fatal(err)
	}
	if key != "c1" || body != string(decision) {
		t.Fatalf("decision: key %q body %q", key, body)
	}
	j.URL = srv.URL + "/fail"
	if err := j.Deliver(t.Context(), store.OutboxMessage{ID: "m", Payload: record}); err == nil {
		t.Fatal("a 503 counted as delivered")
	}
	j = &siem.JSON{URL: srv.URL + "/in", Client: egress.Policy{}.Client(5 * time.Second)}
	if err := j.Deliver(t.Context(), store.OutboxMessage{ID: "m", Payload: record}); err == nil {
		t.Fatal("loopback reached without allow_private")
	}
}

// Package smtptest runs a small SMTP server on a real loopback socket for
// tests, as net/http/httptest does for HTTP: EHLO, STARTTLS (with a
// certificate of its own that Server.RootCAs trusts), AUTH PLAIN, MAIL,
// RCPT, DATA, QUIT. It records every message it accepts, and can answer
// DATA with a temporary failure to test retries.
//
// It is for tests only; deadbolt never imports it outside them.
package smtptest

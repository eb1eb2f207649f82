package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Failure classes: what a failed outbound request says to tenant admins.
const (
	ClassRefused     = "refused by policy"
	ClassTimeout     = "timeout"
	ClassConnRefused = "connection refused"
	ClassDNS         = "name lookup failed"
	ClassTLS         = "TLS failure"
	ClassConnection  = "connection failed"
	ClassCancelled   = "cancelled"
	ClassStatus      = "status" // followed by the status code
)

// Failure is a failed outbound request told as its class alone. Its text
// is safe to show to whoever named the URL: it carries neither the remote
// answer's body nor the detail of a dial error, which would turn a
// delivery log into a port scanner. The cause is kept for the log.
type Failure struct {
	// Class is one of the Class constants.
	Class string
	// Status is the HTTP status of a ClassStatus failure.
	Status int
	// Err is the cause, for the log only; nil for a status.
	Err error
}

// Error returns the class, and the status code of a status failure.
func (f *Failure) Error() string {
	if f.Class == ClassStatus {
		return fmt.Sprintf("%s %d", ClassStatus, f.Status)
	}
	return f.Class
}

// Unwrap returns the cause.
func (f *Failure) Unwrap() error { return f.Err }

// Status is the Failure of a request that was answered with an HTTP status
// the caller does not accept.
func Status(code int) *Failure { return &Failure{Class: ClassStatus, Status: code} }

// Classify turns the error of http.Client.Do (or of a dial) into a
// Failure. A nil error is nil.
func Classify(err error) *Failure {
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	var (
		dnsErr   *net.DNSError
		netErr   net.Error
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		verErr   *tls.CertificateVerificationError
		authErr  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		certErr  x509.CertificateInvalidError
	)
	class := ClassConnection
	switch {
	case errors.Is(err, ErrRefused):
		class = ClassRefused
	case errors.Is(err, context.Canceled):
		class = ClassCancelled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		class = ClassTimeout
	case errors.As(err, &dnsErr):
		class = ClassDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		class = ClassConnRefused
	case errors.As(err, &recErr), errors.As(err, &alertErr), errors.As(err, &verErr), errors.As(err, &authErr),
		errors.As(err, &hostErr), errors.As(err, &certErr):
		class = ClassTLS
	}
	return &Failure{Class: class, Err: err}
}

// Detail is err's full text for the log: a Failure's cause, or err itself.
func Detail(err error) string {
	var f *Failure
	if errors.As(err, &f) && f.Err != nil {
		return f.Err.Error()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

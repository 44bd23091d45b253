package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"grpcwire/wire"
)

// ConnectError is why a connection attempt failed: what went wrong, in
// Reason, for a program to turn into advice in its own terms (its flags),
// and in plain words in Error, which names no Go API, since the person
// reading it may be using a program, not writing one.
//
// A call that fails because no connection could be made returns a
// *wire.Status (UNAVAILABLE, or DEADLINE_EXCEEDED when it waited for the
// connection) whose Cause is the attempt's *ConnectError; ConnectErrorOf
// finds it.
//
// For a Go program, the options that answer each reason: WithTLS (or its
// absence) for ReasonNotTLS and the cleartext ReasonHTTP1, ReasonNotHTTP2
// and ReasonClosedEarly; tls.Config.RootCAs for ReasonUnknownAuthority;
// tls.Config.ServerName or WithAuthority for ReasonWrongName.
type ConnectError struct {
	// Target is the address dialled ("host:port").
	Target string
	// Reason says what went wrong.
	Reason ConnectReason
	// TLS is true when the client spoke TLS (WithTLS).
	TLS bool
	// Err is the underlying failure (from the dialer, the TLS handshake or
	// the HTTP/2 connection), or nil.
	Err error

	msg string // what Error says before Err
}

// Error says in plain words what happened, then the underlying error.
func (e *ConnectError) Error() string {
	if e.Err == nil {
		return e.msg
	}
	return e.msg + ": " + e.Err.Error()
}

// Unwrap returns the underlying failure.
func (e *ConnectError) Unwrap() error { return e.Err }

// ConnectErrorOf returns the *ConnectError of a call's error, or nil when
// the call did not fail for want of a connection (the server answered, the
// call was cancelled, ...).
func ConnectErrorOf(err error) *ConnectError {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce
	}
	if st := wire.StatusOf(err); st != nil && errors.As(st.Cause(), &ce) {
		return ce
	}
	return nil
}

// ConnectReason is what made a connection attempt fail.
type ConnectReason int

// The reasons a connection attempt fails, in the order the attempt meets
// them: TCP, TLS, then HTTP/2's SETTINGS.
const (
	// ReasonOther: the TCP connection failed for another reason.
	ReasonOther ConnectReason = iota
	// ReasonDNS: the host name did not resolve.
	ReasonDNS
	// ReasonRefused: nothing listens at the address.
	ReasonRefused
	// ReasonTimeout: the TCP connection (or the whole attempt, until the
	// server's SETTINGS) took longer than the connect timeout.
	ReasonTimeout
	// ReasonNotTLS: the client spoke TLS and the server did not answer in
	// TLS: most likely a cleartext port.
	ReasonNotTLS
	// ReasonNoHTTP2: the TLS server does not offer HTTP/2 (ALPN h2), so it
	// is not a gRPC server (or a proxy not set up for HTTP/2).
	ReasonNoHTTP2
	// ReasonUnknownAuthority: the server's certificate is not signed by a
	// CA the client trusts (a private or test CA).
	ReasonUnknownAuthority
	// ReasonWrongName: the server's certificate is for other names than
	// the one checked.
	ReasonWrongName
	// ReasonCertificate: the server's certificate was not accepted for
	// another reason (expired, not for serving, ...).
	ReasonCertificate
	// ReasonTLSHandshake: the TLS handshake failed for another reason.
	ReasonTLSHandshake
	// ReasonHTTP1: the server answered in HTTP/1.1.
	ReasonHTTP1
	// ReasonNotHTTP2: the server sent bytes that are not HTTP/2 frames; a
	// cleartext client may have reached a TLS port.
	ReasonNotHTTP2
	// ReasonClosedEarly: the connection ended before the server's SETTINGS.
	ReasonClosedEarly
	// ReasonNoSettings: the server accepted the connection and sent no
	// HTTP/2 SETTINGS within the connect timeout.
	ReasonNoSettings
)

// reasonNames are the reasons' names, for String.
var reasonNames = [...]string{
	ReasonOther:            "other",
	ReasonDNS:              "dns",
	ReasonRefused:          "refused",
	ReasonTimeout:          "timeout",
	ReasonNotTLS:           "not-tls",
	ReasonNoHTTP2:          "no-http2",
	ReasonUnknownAuthority: "unknown-authority",
	ReasonWrongName:        "wrong-name",
	ReasonCertificate:      "certificate",
	ReasonTLSHandshake:     "tls-handshake",
	ReasonHTTP1:            "http1",
	ReasonNotHTTP2:         "not-http2",
	ReasonClosedEarly:      "closed-early",
	ReasonNoSettings:       "no-settings",
}

// String names the reason in a word or two, for logs.
func (r ConnectReason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("ConnectReason(%d)", int(r))
}

// describeDialError says in plain words why a TCP connection failed.
func describeDialError(target string, err error) error {
	e := &ConnectError{Target: target, Err: err}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		e.Reason, e.msg = ReasonDNS, fmt.Sprintf("cannot resolve %q (DNS)", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason, e.msg = ReasonRefused, fmt.Sprintf("connection refused by %s: no server is listening there", target)
	case errors.Is(err, context.DeadlineExceeded):
		e.Reason, e.msg = ReasonTimeout, "timed out connecting to "+target
	default:
		e.Reason, e.msg = ReasonOther, "cannot connect to "+target
	}
	return e
}

// describeTLSError says in plain words why a TLS handshake failed.
func describeTLSError(target string, err error) error {
	e := &ConnectError{Target: target, TLS: true, Err: err}
	var rhe tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var wrongName x509.HostnameError
	switch {
	case errors.As(err, &rhe):
		e.Reason, e.msg = ReasonNotTLS, "TLS handshake with "+target+" failed: the server does not speak TLS (is it a cleartext port?)"
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		e.Reason, e.msg = ReasonNotTLS, "TLS handshake with "+target+" failed: the server closed the connection; it is probably a cleartext port"
	case strings.Contains(err.Error(), "no application protocol"):
		e.Reason, e.msg = ReasonNoHTTP2, "TLS handshake with "+target+" failed: the server does not offer HTTP/2 (ALPN h2), so it is not a gRPC server"
	case errors.As(err, &unknownCA):
		e.Reason, e.msg = ReasonUnknownAuthority, "TLS handshake with "+target+" failed: the server's certificate was not accepted: no trusted CA signed it"
	case errors.As(err, &wrongName):
		e.Reason, e.msg = ReasonWrongName, "TLS handshake with "+target+" failed: the server's certificate was not accepted: it is for other names"
	case errors.As(err, &certErr):
		e.Reason, e.msg = ReasonCertificate, "TLS handshake with "+target+" failed: the server's certificate was not accepted"
	default:
		e.Reason, e.msg = ReasonTLSHandshake, "TLS handshake with "+target+" failed"
	}
	return e
}

// errNoH2 is the failure of a TLS connection whose server chose no ALPN
// protocol, or another than h2, without failing the handshake.
func errNoH2(target, proto string) error {
	return &ConnectError{Target: target, TLS: true, Reason: ReasonNoHTTP2,
		msg: fmt.Sprintf("the server at %s did not negotiate HTTP/2 over TLS (ALPN %q); gRPC needs h2", target, proto)}
}

// errNoSettings is the failure of an attempt that got no SETTINGS from the
// server within the connect timeout.
func errNoSettings(target string, useTLS bool, timeout time.Duration) error {
	return &ConnectError{Target: target, TLS: useTLS, Reason: ReasonNoSettings,
		msg: fmt.Sprintf("no HTTP/2 SETTINGS from %s within %v: is it a gRPC server?", target, timeout)}
}

// describeEarlyClose says why a connection ended before the server's
// SETTINGS: most often the server speaks HTTP/1.1, or TLS on a cleartext
// client.
func describeEarlyClose(target string, useTLS bool, err error) error {
	e := &ConnectError{Target: target, TLS: useTLS}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case strings.Contains(msg, "HTTP/1.1"):
		// The transport's error quotes the server's first bytes; the
		// sentence says all of it.
		e.Reason, e.msg = ReasonHTTP1, "the server at "+target+" spoke HTTP/1.1, not HTTP/2: it is not a gRPC server"
		if !useTLS {
			e.msg += " (or it wants TLS)"
		}
	case !useTLS && strings.Contains(msg, "frame header"):
		e.Reason, e.msg, e.Err = ReasonNotHTTP2, "the server at "+target+" did not speak HTTP/2 (does it expect TLS?)", err
	default:
		e.Reason, e.msg, e.Err = ReasonClosedEarly, "the connection to "+target+" ended before the server's HTTP/2 SETTINGS arrived", err
		if !useTLS {
			e.msg += " (does it expect TLS?)"
		}
	}
	return e
}

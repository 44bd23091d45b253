package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
)

// describeDialError says in plain words why a TCP connection failed.
func describeDialError(target string, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot resolve %q (DNS): %w", dnsErr.Name, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection refused by %s: no server is listening there: %w", target, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("timed out connecting to %s: %w", target, err)
	}
	return fmt.Errorf("cannot connect to %s: %w", target, err)
}

// describeTLSError says in plain words why a TLS handshake failed.
func describeTLSError(target string, err error) error {
	var rhe tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &rhe):
		return fmt.Errorf("TLS handshake with %s failed: the server does not speak TLS (a cleartext port? then dial without client.WithTLS): %w", target, err)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("TLS handshake with %s failed: the server closed the connection; it is probably a cleartext port (dial without client.WithTLS): %w", target, err)
	case strings.Contains(err.Error(), "no application protocol"):
		return fmt.Errorf("TLS handshake with %s failed: the server does not offer HTTP/2 (ALPN h2), so it is not a gRPC server: %w", target, err)
	case errors.As(err, &certErr):
		return fmt.Errorf("TLS handshake with %s failed: the server's certificate was not accepted (set tls.Config.RootCAs for a private CA, ServerName for another name): %w", target, err)
	}
	return fmt.Errorf("TLS handshake with %s failed: %w", target, err)
}

// describeEarlyClose says why a connection ended before the server's
// SETTINGS: most often the server speaks HTTP/1.1, or TLS on a cleartext
// client.
func describeEarlyClose(target string, useTLS bool, err error) error {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case strings.Contains(msg, "HTTP/1.1"):
		return fmt.Errorf("the server at %s spoke HTTP/1.1, not HTTP/2: it is not a gRPC server (or it wants TLS)", target)
	case !useTLS && strings.Contains(msg, "frame header"):
		return fmt.Errorf("the server at %s did not speak HTTP/2 (does it expect TLS? then dial with client.WithTLS): %w", target, err)
	}
	return fmt.Errorf("the connection to %s ended before the server's HTTP/2 SETTINGS arrived (does it expect TLS? then dial with client.WithTLS): %w", target, err)
}

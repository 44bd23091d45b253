package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"grpcwire/client"
	"grpcwire/observe"
	"grpcwire/trace"
)

// newTracer returns the frame trace the flags ask for, written to w, or nil
// without -trace. One Tracer serves every connection of a run, so that they
// are numbered c1, c2, ... in the order they were made.
func (o *options) newTracer(w io.Writer) *trace.Tracer {
	if !o.trace {
		return nil
	}
	return trace.New(w, trace.FlagOptions(o.traceValues, o.traceTimes)...)
}

// dial returns a connection to addr as the flags describe it, traced by tr
// when tr is not nil. The connection is made by the first call.
func (o *options) dial(addr string, tr *trace.Tracer) (*client.Conn, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("the address %q is not host:port (as in localhost:50051): %v", addr, err)
	}
	opts := []client.Option{
		client.WithConnectTimeout(o.connectTimeout),
		client.WithUserAgent(userAgent),
	}
	if !o.plaintext {
		cfg, err := o.tlsConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.WithTLS(cfg))
	}
	switch {
	case o.authority != "":
		opts = append(opts, client.WithAuthority(o.authority))
	case o.servername != "":
		opts = append(opts, client.WithAuthority(o.servername))
	}
	if tr != nil {
		opts = append(opts, client.WithFrameObserver(func(ci client.ConnInfo) observe.Observer {
			return tr.Conn(trace.Client, ci.LocalAddr, ci.ServerLabel(), ci.Start)
		}))
	}
	return client.Dial(addr, opts...)
}

// connectHint is what to try when a call failed for want of a connection,
// in the command's own flags, or "" when err is no connection failure (the
// server, or a proxy before it, answered). The client's message says what
// happened; this says what to change on the command line, which only the
// command knows.
func (o *options) connectHint(err error) string {
	ce := client.ConnectErrorOf(err)
	if ce == nil {
		return ""
	}
	addr := ce.Target
	switch ce.Reason {
	case client.ReasonDNS:
		return "check the host name in " + addr
	case client.ReasonRefused:
		return "nothing listens at " + addr + ": is the server running, and on this port?"
	case client.ReasonTimeout:
		return "nothing answered at " + addr + " within -connect-timeout " + o.connectTimeout.String() + ": is the address right, or a firewall in the way?"
	case client.ReasonNotTLS:
		return "grpcwire spoke TLS to " + addr + ", which answers in cleartext: add -plaintext"
	case client.ReasonNoHTTP2:
		return addr + " speaks TLS but not HTTP/2: it is not a gRPC server (or a proxy not set up to pass HTTP/2 on)"
	case client.ReasonUnknownAuthority:
		return "-cacert FILE trusts the CA that signed the server's certificate (-insecure-skip-verify checks nothing, for tests only)"
	case client.ReasonWrongName:
		return "-servername NAME checks another name in the server's certificate"
	case client.ReasonCertificate:
		return "-insecure-skip-verify accepts any certificate (for tests only)"
	case client.ReasonHTTP1:
		if o.plaintext {
			return addr + " is not a gRPC server, or it wants TLS: without -plaintext grpcwire speaks TLS"
		}
		return addr + " is not a gRPC server"
	}
	if o.plaintext {
		return "grpcwire spoke cleartext HTTP/2 to " + addr + " (-plaintext); if the server wants TLS, leave -plaintext out"
	}
	return "grpcwire spoke TLS to " + addr + "; is it a gRPC server?"
}

// tlsConfig is the client's TLS configuration: the system's roots or those
// of -cacert, the name of -servername, or no verification at all.
func (o *options) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{
		ServerName:         o.servername,
		InsecureSkipVerify: o.insecureSkipVerify,
	}
	if o.cacert != "" {
		pem, err := os.ReadFile(o.cacert)
		if err != nil {
			return nil, fmt.Errorf("-cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("-cacert: " + o.cacert + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

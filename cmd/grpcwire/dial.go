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
			return tr.Conn(trace.Client, ci.LocalAddr, ci.RemoteAddr, ci.Start)
		}))
	}
	return client.Dial(addr, opts...)
}

// connectHint is what to try when the connection to addr failed, in the
// command's flags: the client's own messages name library options
// (client.WithTLS, tls.Config.RootCAs), and a person needs the flag.
func (o *options) connectHint(addr string) string {
	if o.plaintext {
		return "grpcwire spoke cleartext HTTP/2 to " + addr + " (-plaintext); without -plaintext it speaks TLS"
	}
	return "grpcwire spoke TLS to " + addr + "; -plaintext speaks cleartext HTTP/2, -cacert trusts a private CA, -servername checks another name in the certificate"
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

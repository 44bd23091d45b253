// Package tlsflags holds the TLS flags that grpcwire's example programs
// share, so that each program spells them, checks them and explains a
// failed connection in them the same way: a server's -tls-cert and
// -tls-key (users-server, files-server), a client's -tls, -tls-ca and
// -tls-server-name (users-client, files), and the advice in those flags
// that a client prints when it cannot connect.
//
// Its errors and hints name the flags, never a Go API, since the person
// reading them runs a program.
package tlsflags

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
)

// Server is a server program's TLS flags. With neither file given the
// program serves cleartext HTTP/2.
type Server struct {
	// CertFile is -tls-cert: the server's certificate chain, a PEM file.
	CertFile string
	// KeyFile is -tls-key: the private key of CertFile, a PEM file.
	KeyFile string
}

// Register defines -tls-cert and -tls-key on fs.
func (s *Server) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.CertFile, "tls-cert", "", "serve TLS with the certificate chain in this PEM `file` (needs -tls-key)")
	fs.StringVar(&s.KeyFile, "tls-key", "", "the private key of -tls-cert, a PEM `file`")
}

// Config returns the TLS configuration the flags ask for, with the
// certificate loaded, or nil for cleartext when neither flag is given. One
// flag without the other, or files that are not a certificate and its key,
// are an error naming the flags.
func (s Server) Config() (*tls.Config, error) {
	if s.CertFile == "" && s.KeyFile == "" {
		return nil, nil
	}
	if s.CertFile == "" || s.KeyFile == "" {
		return nil, errors.New("-tls-cert and -tls-key go together: give both, or neither for cleartext")
	}
	cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert, -tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// Client is a client program's TLS flags. With none given the program
// speaks cleartext HTTP/2; any of them turns TLS on.
type Client struct {
	// TLS is -tls: speak TLS, trusting the system's CAs.
	TLS bool
	// CAFile is -tls-ca: trust the CA certificates of this PEM file
	// instead of the system's.
	CAFile string
	// ServerName is -tls-server-name: the name to check in the server's
	// certificate instead of the -addr's host.
	ServerName string
}

// Register defines -tls, -tls-ca and -tls-server-name on fs.
func (c *Client) Register(fs *flag.FlagSet) {
	fs.BoolVar(&c.TLS, "tls", false, "speak TLS (ALPN h2) instead of cleartext HTTP/2")
	fs.StringVar(&c.CAFile, "tls-ca", "", "trust the CA certificates in this PEM `file` instead of the system's (implies -tls)")
	fs.StringVar(&c.ServerName, "tls-server-name", "", "the `name` to check in the server's certificate (the -addr's host by default; implies -tls)")
}

// Enabled reports whether the flags ask for TLS: -tls, or either of the
// flags that only TLS uses.
func (c Client) Enabled() bool { return c.TLS || c.CAFile != "" || c.ServerName != "" }

// Config returns the client's TLS configuration: the system's CAs or those
// of -tls-ca, and the name of -tls-server-name (empty: the client checks
// the host it dials). A -tls-ca that cannot be read or holds no
// certificate is an error naming the flag.
func (c Client) Config() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: c.ServerName}
	if c.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("-tls-ca: %w", err)
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-tls-ca: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", c.CAFile)
	}
	return cfg, nil
}

package server_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"grpcwire/internal/testsvc"
)

// testPKI is a certificate authority made for one test and a server
// certificate it signed, so that TLS tests need no files and no network.
type testPKI struct {
	// Pool holds the CA: give it to a client as tls.Config.RootCAs.
	Pool *x509.CertPool
	// Server is the server's certificate chain and key.
	Server tls.Certificate
}

// newTestPKI makes a CA and a server certificate valid for the given DNS
// names and, when ips is set, for 127.0.0.1 and ::1.
func newTestPKI(t testing.TB, ips bool, names ...string) *testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "grpcwire test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "grpcwire test server"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
	}
	if ips {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{Pool: pool, Server: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}}
}

// serverConfig is a TLS server configuration with the PKI's certificate.
func (p *testPKI) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.Server}, MinVersion: tls.VersionTLS12}
}

// logBuffer collects a server's slog output so that a test can check that a
// connection problem was logged in words a person can act on.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger returns a logger writing every level into b.
func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor waits (up to testsvc.Timeout) until the log has a line containing
// every one of want, and returns that line; it fails the test with the
// whole log otherwise.
func (b *logBuffer) waitFor(t testing.TB, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(testsvc.Timeout)
	for {
		for _, line := range strings.Split(b.String(), "\n") {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok && line != "" {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line contains all of %q; the log:\n%s", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

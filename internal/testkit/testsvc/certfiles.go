package testsvc

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// CertFile returns the absolute path of a file of interop/testdata: ca.pem,
// the repository's test CA, and server1.pem and server1.key, the server
// certificate it signed (for localhost, 127.0.0.1 and foo.test.google.fr).
// Tests of programs that take certificates as -tls-* files use them, so
// that the files the README's commands name are the ones tested. The path
// is found from this source file, so it is the same from any package's
// test, in any of the repository's modules.
func CertFile(t testing.TB, name string) string {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testsvc: cannot tell where the testsvc source is, to find interop/testdata")
	}
	p := filepath.Join(filepath.Dir(self), "..", "..", "..", "interop", "testdata", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testsvc: the test certificate file: %v", err)
	}
	return p
}

// CertPool returns a pool holding interop/testdata/ca.pem, the CA that
// signed CertFile's server certificate: give it to a client as
// tls.Config.RootCAs.
func CertPool(t testing.TB) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(CertFile(t, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("testsvc: interop/testdata/ca.pem holds no certificate")
	}
	return pool
}

//go:build ignore

// gen writes grpcwire's interop test certificates: a test CA (ca.pem) and a
// server certificate signed by it (server1.pem, server1.key) for the names
// grpc's interop convention expects: *.test.google.fr, which a client
// reaches with --server_host_override=foo.test.google.fr, plus localhost and
// 127.0.0.1 so that a client can also connect without an override. The keys
// are ECDSA P-256 and the certificates are valid for a century, so the
// committed files do not expire under the tests.
//
//	cd interop/testdata && go run gen.go
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log"
	"math/big"
	"net"
	"os"
	"time"
)

// validity is how long the certificates are valid from notBefore.
const validity = 100 * 365 * 24 * time.Hour

// notBefore is fixed so that a regenerated certificate differs only in its
// keys and serial number.
var notBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"grpcwire"}, CommonName: "grpcwire interop test CA"},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	check(err)
	ca, err := x509.ParseCertificate(caDER)
	check(err)

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	srvTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"grpcwire"}, CommonName: "*.test.google.fr"},
		NotBefore:    notBefore,
		NotAfter:     notBefore.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"*.test.google.fr", "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	check(err)
	srvKeyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	check(err)

	write("ca.pem", "CERTIFICATE", caDER)
	write("server1.pem", "CERTIFICATE", srvDER)
	write("server1.key", "PRIVATE KEY", srvKeyDER)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	check(err)
	return n
}

func write(name, typ string, der []byte) {
	check(os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

package main

import "grpcwire/client"

// connectHint is what to change in this program's flags when err is a
// failure to connect, or "" when it is not. The client's own message says
// what happened; only the program knows its flags.
func connectHint(cfg config, err error) string {
	ce := client.ConnectErrorOf(err)
	if ce == nil {
		return ""
	}
	switch ce.Reason {
	case client.ReasonDNS:
		return "check the host name in -addr " + cfg.addr
	case client.ReasonRefused:
		return "is users-server running (go run ./cmd/users-server)? -addr gives another address"
	case client.ReasonNotTLS:
		return "the server speaks cleartext HTTP/2: leave out -tls (and -tls-ca, -tls-server-name)"
	case client.ReasonUnknownAuthority:
		return "-tls-ca FILE trusts the CA that signed the server's certificate (interop/testdata/ca.pem for the repository's test certificate)"
	case client.ReasonWrongName:
		return "-tls-server-name NAME checks another name in the server's certificate"
	case client.ReasonNoHTTP2:
		return "the server speaks TLS but not HTTP/2: it is not a gRPC server"
	case client.ReasonHTTP1, client.ReasonNotHTTP2, client.ReasonClosedEarly, client.ReasonNoSettings:
		if !cfg.useTLS() {
			return "if the server serves TLS (users-server -tls-cert), add -tls, and -tls-ca FILE for a private CA"
		}
	}
	return ""
}

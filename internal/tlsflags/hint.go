package tlsflags

import "grpcwire/client"

// Hint is what to change in a client program's flags (-addr and the TLS
// flags) when err is a failure to connect, or "" when it is not or the
// flags have nothing to offer. The client's own message says what
// happened (client.ConnectError); only the program knows its flags. addr is
// the -addr given, and server the program that serves it (users-server,
// files-server), which the hints name.
func (c Client) Hint(err error, addr, server string) string {
	ce := client.ConnectErrorOf(err)
	if ce == nil {
		return ""
	}
	switch ce.Reason {
	case client.ReasonDNS:
		return "check the host name in -addr " + addr
	case client.ReasonRefused:
		return "is " + server + " running (go run ./cmd/" + server + ")? -addr gives another address"
	case client.ReasonNotTLS:
		return "the server speaks cleartext HTTP/2: leave out -tls (and -tls-ca, -tls-server-name)"
	case client.ReasonUnknownAuthority:
		return "-tls-ca FILE trusts the CA that signed the server's certificate (interop/testdata/ca.pem for the repository's test certificate)"
	case client.ReasonWrongName:
		return "-tls-server-name NAME checks another name in the server's certificate"
	case client.ReasonNoHTTP2:
		return "the server speaks TLS but not HTTP/2: it is not a gRPC server"
	case client.ReasonHTTP1, client.ReasonNotHTTP2, client.ReasonClosedEarly, client.ReasonNoSettings:
		if !c.Enabled() {
			return "if the server serves TLS (" + server + " -tls-cert), add -tls, and -tls-ca FILE for a private CA"
		}
	}
	return ""
}

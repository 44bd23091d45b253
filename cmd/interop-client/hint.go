package main

import "grpcwire/client"

// connectHint is what to change in this program's flags (grpc-go's interop
// client's names) when err is a failure to connect, or "" when it is not.
// The client's own message says what happened; only the program knows its
// flags.
func connectHint(useTLS bool, err error) string {
	ce := client.ConnectErrorOf(err)
	if ce == nil {
		return ""
	}
	switch ce.Reason {
	case client.ReasonDNS:
		return "check --server_host"
	case client.ReasonRefused:
		return "is the interop server running at --server_host and --server_port?"
	case client.ReasonNotTLS:
		return "the server speaks cleartext HTTP/2: leave out --use_tls"
	case client.ReasonUnknownAuthority:
		return "--use_test_ca trusts grpcwire's test CA, or --use_test_ca --ca_file FILE another CA"
	case client.ReasonWrongName:
		return "--server_host_override NAME checks another name in the certificate (foo.test.google.fr for grpc's test certificates)"
	case client.ReasonNoHTTP2:
		return "the server speaks TLS but not HTTP/2: it is not a gRPC server"
	case client.ReasonHTTP1, client.ReasonNotHTTP2, client.ReasonClosedEarly, client.ReasonNoSettings:
		if !useTLS {
			return "if the server serves TLS, add --use_tls (and --use_test_ca for a test certificate)"
		}
	}
	return ""
}

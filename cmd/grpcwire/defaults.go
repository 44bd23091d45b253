package main

import (
	"time"

	"grpcwire/wire"
)

// defaultConnectTimeout bounds the connection to the server: TCP, TLS and
// the server's first SETTINGS. A person is waiting at the terminal, so it is
// half of the library's 20 s (grpc/grpc doc/connection-backoff.md's
// MIN_CONNECT_TIMEOUT, made for programs that retry); grpcurl's
// -connect-timeout is 10 s too. -connect-timeout changes it.
const defaultConnectTimeout = 10 * time.Second

// userAgent is the product token the command puts before grpcwire's own in
// user-agent, so that a server's logs tell a person's ad-hoc calls from an
// application's.
const userAgent = "grpcwire-cli/" + wire.Version

// Command interop-server is grpcwire's gRPC interop server: it serves
// grpc.testing.TestService with every server feature of grpc/grpc
// doc/interop-test-descriptions.md, for any gRPC implementation's interop
// client to test against. Its flags are those of grpc-go's interop/server:
//
//	--port           the port to listen on (10000)
//	--use_tls        serve TLS (with ALPN h2) instead of cleartext HTTP/2
//	--tls_cert_file  the server certificate, PEM (the built-in test
//	                 certificate for *.test.google.fr, localhost and
//	                 127.0.0.1 when empty)
//	--tls_key_file   its private key, PEM
//
// and grpcwire adds:
//
//	--host           the address to listen on ("" for every interface, as
//	                 grpc-go does)
//	--addr           where to listen instead of --host and --port:
//	                 host:port, unix:/path/to.sock or unix-abstract:name
//	--health         serve grpc.health.v1.Health (true)
//	--reflection     serve grpc.reflection v1 and v1alpha (true)
//	--log-level      the level of the server's log on stderr: debug, info
//	                 (the default: refused connections, such as a cleartext
//	                 client on the TLS port or HTTP/1.1 over TLS, and
//	                 protocol errors), warn or error
//
// It prints "interop-server: listening on ADDR" once it accepts calls, and
// on SIGINT or SIGTERM stops gracefully: health turns NOT_SERVING, calls in
// flight finish (for up to 10 s), then it exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"grpcwire/health"
	"grpcwire/interop"
	"grpcwire/reflection"
	"grpcwire/server"
)

// gracePeriod bounds the graceful stop on a signal.
const gracePeriod = 10 * time.Second

// defaultPort is grpc-go's interop server's default --port.
const defaultPort = 10000

func main() {
	var (
		port       = flag.Int("port", defaultPort, "The server port")
		host       = flag.String("host", "", "The address to listen on; empty for every interface")
		addr       = flag.String("addr", "", "Where to listen instead of --host and --port: host:port, unix:/path/to.sock or unix-abstract:name")
		useTLS     = flag.Bool("use_tls", false, "Connection uses TLS if true, else plain TCP")
		certFile   = flag.String("tls_cert_file", "", "The TLS cert file (the built-in test certificate when empty)")
		keyFile    = flag.String("tls_key_file", "", "The TLS key file (the built-in test key when empty)")
		withHealth = flag.Bool("health", true, "Serve grpc.health.v1.Health")
		withRefl   = flag.Bool("reflection", true, "Serve grpc.reflection.v1 and v1alpha ServerReflection")
		logLevel   slog.Level
	)
	flag.TextVar(&logLevel, "log-level", slog.LevelInfo, "Log connection and call events to stderr at this level and above: debug, info, warn or error")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	listen := *addr
	if listen == "" {
		listen = net.JoinHostPort(*host, strconv.Itoa(*port))
	}
	if err := run(listen, *useTLS, *certFile, *keyFile, *withHealth, *withRefl, logger); err != nil {
		fmt.Fprintln(os.Stderr, "interop-server:", err)
		os.Exit(1)
	}
}

func run(listen string, useTLS bool, certFile, keyFile string, withHealth, withRefl bool, logger *slog.Logger) error {
	opts := []server.Option{server.Logger(logger)}
	if useTLS {
		cfg, err := interop.ServerTLSConfig(certFile, keyFile)
		if err != nil {
			return err
		}
		opts = append(opts, server.TLS(cfg))
	} else if certFile != "" || keyFile != "" {
		return errors.New("--tls_cert_file and --tls_key_file need --use_tls")
	}
	s := server.New(opts...)
	(&interop.TestServer{ServerID: "grpcwire-interop-server"}).Register(s)
	if withRefl {
		reflection.Register(s)
	}
	if withHealth {
		health.Register(s)
	}
	ln, err := server.Listen(listen)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	fmt.Printf("interop-server: listening on %s (tls=%v)\n", server.AddrString(ln.Addr()), useTLS)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return s.ServeContext(ctx, ln, gracePeriod)
}

// Command users-server is the seed tutorial's server, on grpcwire: it serves
// the users.Users service of users.proto on :50051.
//
//	CreateUser prints the call's metadata on one line, as the seed's Python
//	           server prints dict(context.invocation_metadata()):
//	               {'user-agent': 'grpc-go-grpcwire/0.1.0', 'ip': '127.0.0.1'}
//	           and returns the user with user_id 1. It refuses an empty
//	           username with INVALID_ARGUMENT (the seed accepts it), so that
//	           the tutorial has an error call to trace.
//	GetUsers   streams one result per requested user, copying its username
//	           and user_id.
//
// Unlike grpcwire's logging, which redacts metadata values, this program
// prints them: showing them is its purpose.
//
// Flags:
//
//	-addr          the address to listen on (":50051", every interface, as
//	               the seed's '[::]:50051'; "localhost:50051" keeps it to
//	               this machine; "127.0.0.1:0" picks a free port, which the
//	               listening line names; a Unix socket as
//	               unix:/tmp/users.sock or unix-abstract:users)
//	-tls-cert, -tls-key  serve TLS (ALPN h2) with this certificate chain and
//	               key, PEM files, instead of cleartext HTTP/2
//	               (interop/testdata/server1.pem and server1.key are a test
//	               certificate for localhost and 127.0.0.1)
//	-quiet         do not print each CreateUser's metadata (under load)
//	-log-level     the level of the server's log on stderr: debug, info
//	               (the default: refused connections, such as a cleartext
//	               client on the TLS port or HTTP/1.1 over TLS, and
//	               protocol errors), warn or error
//	-health        serve grpc.health.v1.Health (true)
//	-reflection    serve grpc.reflection v1 and v1alpha, for grpcurl (true)
//	-trace         print every HTTP/2 frame to stderr (see package trace)
//	-trace-values  show metadata values in the trace instead of redacting them
//	-trace-times   print the elapsed time on every trace line (true)
//	-html FILE     write the trace to FILE as an HTML page, a sequence
//	               diagram of each connection (with or without -trace)
//
// It prints "users-server: listening on ADDR" to stderr once it accepts
// calls, so that scripts and tests learn the port. Ctrl-C (SIGINT) or SIGTERM
// stops it gracefully: health turns NOT_SERVING, calls in flight finish for
// up to 10 s, and it exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"grpcwire/health"
	"grpcwire/internal/tlsflags"
	"grpcwire/observe"
	"grpcwire/reflection"
	"grpcwire/server"
	"grpcwire/trace"
	"grpcwire/userspb"
)

// defaultAddr is the seed's port: its server calls add_insecure_port('[::]:50051').
const defaultAddr = ":50051"

// gracePeriod bounds the graceful stop after Ctrl-C: calls still running
// then are cut, so a stuck call cannot keep the program from exiting.
const gracePeriod = 10 * time.Second

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", defaultAddr, "the address to listen on: host:port, unix:/path/to.sock or unix-abstract:name")
	flag.BoolVar(&cfg.health, "health", true, "serve grpc.health.v1.Health")
	flag.BoolVar(&cfg.reflection, "reflection", true, "serve grpc.reflection v1 and v1alpha ServerReflection")
	cfg.traceFlags.Register(flag.CommandLine)
	cfg.tls.Register(flag.CommandLine)
	flag.BoolVar(&cfg.quiet, "quiet", false, "do not print each CreateUser's metadata")
	flag.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log connection and call events to stderr at this `level` and above: debug, info, warn or error")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "users-server: unexpected arguments %q; it takes only flags\n", flag.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "users-server:", err)
		os.Exit(1)
	}
}

// config is the program's flags.
type config struct {
	addr               string
	health, reflection bool
	traceFlags         trace.Flags
	tls                tlsflags.Server
	quiet              bool
	// logLevel is the least level logged; the zero value is info.
	logLevel slog.Level
}

// run serves until ctx ends, then stops gracefully. The metadata lines go to
// stdout; the listening line and the trace go to stderr.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	opts := []server.Option{server.Logger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel})))}
	tr, err := cfg.traceFlags.Tracer(stderr)
	if err != nil {
		return err
	}
	defer tr.Close() // ends the -html page
	if tr != nil {
		opts = append(opts, server.FrameObserver(func(ci server.ConnInfo) observe.Observer {
			return tr.Conn(trace.Server, ci.LocalAddr, ci.RemoteAddr, ci.Start)
		}))
	}
	tc, err := cfg.tls.Config()
	if err != nil {
		return err
	}
	if tc != nil {
		opts = append(opts, server.TLS(tc))
	}
	s := server.New(opts...)
	out := stdout
	if cfg.quiet {
		out = io.Discard
	}
	userspb.RegisterUsersServer(s, &usersServer{out: out})
	if cfg.reflection {
		reflection.Register(s)
	}
	if cfg.health {
		// Last, so that every service registered above reports SERVING.
		health.Register(s)
	}

	ln, err := server.Listen(cfg.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another server running? -addr picks another address)", cfg.addr, err)
	}
	fmt.Fprintf(stderr, "users-server: listening on %s\n", server.AddrString(ln.Addr()))

	s.RegisterOnShutdown(func() { fmt.Fprintln(stderr, "users-server: stopping") })
	return s.ServeContext(ctx, ln, gracePeriod)
}

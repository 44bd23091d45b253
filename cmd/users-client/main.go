// Command users-client is the seed tutorial's client, on grpcwire. It waits
// for the server, creates the user tom with the metadata ip: 127.0.0.1, then
// asks for alexa and christie and prints each result in protobuf text format
// with a blank line after it, exactly as the seed's Python client prints:
//
//	User created: tom
//	user {
//	  username: "alexa"
//	  user_id: 1
//	}
//
//	user {
//	  username: "christie"
//	  user_id: 1
//	}
//
// When no server is ready within -wait (the seed's
// channel_ready_future(channel).result(timeout=10)), it prints "Error
// connecting to server" and exits 1, as the seed's sys.exit does; then,
// unlike the seed, a line saying why the last attempt failed and what to
// change in this program's flags.
//
// Flags:
//
//	-addr          the server's address ("localhost:50051"), in grpc's
//	               target syntax: dns:///users.example:50051 (every
//	               address of the name), unix:/tmp/users.sock, ipv4:a:p,b:p
//	-service-config  grpc's service config JSON, for instance
//	               '{"loadBalancingConfig": [{"round_robin": {}}]}'
//	-wait          how long to wait for the server (10s)
//	-username      the user to create ("tom"); an empty one shows an error
//	               call, which users-server refuses with INVALID_ARGUMENT
//	-authority     the :authority to send (the -addr by default)
//	-tls           speak TLS (ALPN h2) instead of cleartext HTTP/2, trusting
//	               the system's CAs
//	-tls-ca        trust the CA certificates in this PEM file instead
//	               (implies -tls); interop/testdata/ca.pem signed the
//	               certificate users-server -tls-cert can serve
//	-tls-server-name  the name to check in the server's certificate (the
//	               -addr's host by default; implies -tls)
//	-trace         print every HTTP/2 frame to stderr (see package trace)
//	-trace-values  show metadata values in the trace instead of redacting them
//	-trace-times   print the elapsed time on every trace line (true)
//	-html FILE     write the trace to FILE as an HTML page, a sequence
//	               diagram of the connection (with or without -trace)
//
// A failed call prints its status to stderr and exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"grpcwire/client"
	"grpcwire/internal/pbtext"
	"grpcwire/internal/tlsflags"
	"grpcwire/observe"
	"grpcwire/trace"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// defaultAddr is where the seed's client connects: grpc.insecure_channel('localhost:50051').
const defaultAddr = "localhost:50051"

// defaultWait is the seed's channel_ready_future(...).result(timeout=10).
const defaultWait = 10 * time.Second

// errNotReady is the seed's sys.exit message when no server answered in time.
var errNotReady = errors.New("Error connecting to server")

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", defaultAddr, "the server's address: host:port, or a gRPC target (dns:///host:port, unix:/path, ipv4:a:p,b:p)")
	flag.StringVar(&cfg.serviceConfig, "service-config", "", "grpc's service config JSON (load balancing, health checks, method timeouts)")
	flag.DurationVar(&cfg.wait, "wait", defaultWait, "how long to wait for the server to be ready")
	flag.StringVar(&cfg.username, "username", "tom", "the username CreateUser creates")
	flag.StringVar(&cfg.authority, "authority", "", "the :authority header to send (the -addr when empty)")
	cfg.tls.Register(flag.CommandLine)
	cfg.traceFlags.Register(flag.CommandLine)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "users-client: unexpected arguments %q; it takes only flags\n", flag.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		printError(os.Stderr, cfg, err)
		os.Exit(1)
	}
}

// printError prints why run failed: the seed's line when no server was
// ready, else the error; then why the connection failed, and what to try in
// this program's flags, when a connection was the problem.
func printError(w io.Writer, cfg config, err error) {
	var nr *notReady
	if errors.As(err, &nr) {
		fmt.Fprintln(w, errNotReady)
		err = nr.err
		if ce := client.ConnectErrorOf(err); ce != nil {
			// Why the last attempt failed is all there is to say; that the
			// wait ran out, the line above said.
			err = ce
		}
	}
	fmt.Fprintln(w, "users-client:", err)
	if hint := connectHint(cfg, err); hint != "" {
		fmt.Fprintln(w, "users-client:", hint)
	}
}

// notReady is the failure of the wait for the server: errors.Is(err,
// errNotReady) holds, and err says why the last attempt failed.
type notReady struct{ err error }

func (e *notReady) Error() string        { return errNotReady.Error() + ": " + e.err.Error() }
func (e *notReady) Is(target error) bool { return target == errNotReady }
func (e *notReady) Unwrap() error        { return e.err }

// config is the program's flags.
type config struct {
	addr, username, authority string
	serviceConfig             string
	wait                      time.Duration
	traceFlags                trace.Flags
	tls                       tlsflags.Client
}

// run makes the seed's two calls and prints their results to stdout; the
// trace goes to stderr.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	var opts []client.Option
	if cfg.tls.Enabled() {
		tc, err := cfg.tls.Config()
		if err != nil {
			return err
		}
		opts = append(opts, client.WithTLS(tc))
	}
	if cfg.authority != "" {
		opts = append(opts, client.WithAuthority(cfg.authority))
	}
	tr, err := cfg.traceFlags.Tracer(stderr)
	if err != nil {
		return err
	}
	defer tr.Close() // after conn.Close, so that the -html page ends with the GOAWAY
	if tr != nil {
		opts = append(opts, client.WithFrameObserver(func(ci client.ConnInfo) observe.Observer {
			return tr.Conn(trace.Client, ci.LocalAddr, ci.ServerLabel(), ci.Start)
		}))
	}
	if cfg.serviceConfig != "" {
		opts = append(opts, client.WithServiceConfig(cfg.serviceConfig))
	}
	conn, err := client.Dial(cfg.addr, opts...)
	if err != nil {
		return err
	}
	defer conn.Close()

	wctx, cancel := context.WithTimeout(ctx, cfg.wait)
	err = conn.WaitReady(wctx)
	cancel()
	if err != nil {
		return &notReady{err: err}
	}

	users := userspb.NewUsersClient(conn)
	created, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: cfg.username},
		client.WithMetadata(wire.NewMetadata("ip", "127.0.0.1")))
	if err != nil {
		return fmt.Errorf("CreateUser: %w", err)
	}
	fmt.Fprintln(stdout, "User created:", created.GetUser().GetUsername())

	req := &userspb.GetUsersRequest{User: []*userspb.User{
		{Username: "alexa", UserId: 1},
		{Username: "christie", UserId: 1},
	}}
	for res, err := range users.GetUsers(ctx, req) {
		if err != nil {
			return fmt.Errorf("GetUsers: %w", err)
		}
		// Python's print(result): the text format, which ends in a newline,
		// then print's own newline: a blank line after each result.
		fmt.Fprintln(stdout, pbtext.Format(res))
	}
	return nil
}

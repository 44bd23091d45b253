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
// connecting to server" and exits 1, as the seed's sys.exit does.
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
//	-trace         print every HTTP/2 frame to stderr (see package trace)
//	-trace-values  show metadata values in the trace instead of redacting them
//	-trace-times   print the elapsed time on every trace line (true)
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
	flag.BoolVar(&cfg.trace, "trace", false, "print every HTTP/2 frame read and written to stderr")
	flag.BoolVar(&cfg.traceValues, "trace-values", false, "show metadata values in the trace (redacted by default)")
	flag.BoolVar(&cfg.traceTimes, "trace-times", true, "print the elapsed time on every trace line")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "users-client: unexpected arguments %q; it takes only flags\n", flag.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errNotReady) {
			fmt.Fprintln(os.Stderr, err)
		} else {
			fmt.Fprintln(os.Stderr, "users-client:", err)
		}
		os.Exit(1)
	}
}

// config is the program's flags.
type config struct {
	addr, username, authority      string
	serviceConfig                  string
	wait                           time.Duration
	trace, traceValues, traceTimes bool
}

// run makes the seed's two calls and prints their results to stdout; the
// trace goes to stderr.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	var opts []client.Option
	if cfg.authority != "" {
		opts = append(opts, client.WithAuthority(cfg.authority))
	}
	if cfg.trace {
		opts = append(opts, client.WithTrace(stderr, trace.FlagOptions(cfg.traceValues, cfg.traceTimes)...))
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
		return errNotReady
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

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
//	-addr          the server's address ("localhost:50051")
//	-wait          how long to wait for the server (10s)
//	-username      the user to create ("tom"); an empty one shows an error
//	               call, which users-server refuses with INVALID_ARGUMENT
//	-authority     the :authority to send (the -addr by default)
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
	flag.StringVar(&cfg.addr, "addr", defaultAddr, "the server's address, host:port")
	flag.DurationVar(&cfg.wait, "wait", defaultWait, "how long to wait for the server to be ready")
	flag.StringVar(&cfg.username, "username", "tom", "the username CreateUser creates")
	flag.StringVar(&cfg.authority, "authority", "", "the :authority header to send (the -addr when empty)")
	flag.BoolVar(&cfg.trace, "trace", false, "print every HTTP/2 frame read and written to stderr")
	flag.BoolVar(&cfg.traceValues, "trace-values", false, "show metadata values in the trace (redacted by default)")
	flag.BoolVar(&cfg.traceTimes, "trace-times", true, "print the elapsed time on every trace line")
	flag.StringVar(&cfg.html, "html", "", "write the frame trace to this `file` as an HTML page")
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
	addr, username, authority, html string
	wait                            time.Duration
	trace, traceValues, traceTimes  bool
}

// run makes the seed's two calls and prints their results to stdout; the
// trace goes to stderr.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	var opts []client.Option
	if cfg.authority != "" {
		opts = append(opts, client.WithAuthority(cfg.authority))
	}
	tr, err := trace.FlagTracer(stderr, cfg.trace, cfg.html, cfg.traceValues, cfg.traceTimes)
	if err != nil {
		return err
	}
	defer tr.Close() // after conn.Close, so that the -html page ends with the GOAWAY
	if tr != nil {
		opts = append(opts, client.WithFrameObserver(func(ci client.ConnInfo) observe.Observer {
			return tr.Conn(trace.Client, ci.LocalAddr, ci.RemoteAddr, ci.Start)
		}))
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

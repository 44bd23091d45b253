// Command demo runs the seed tutorial end to end with nothing but Go:
//
//	go run ./cmd/demo
//
// It builds users-server and users-client, starts the server in the
// background on a free loopback port, runs the client against it, and stops
// the server with Ctrl-C's signal, as a newcomer would by hand in two
// terminals. The client's output goes to stdout, exactly the seed's:
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
// Everything else goes to stderr: what the demo is doing, and the server's
// lines (the call's metadata it prints, its listening line) marked
// "[server]".
//
// Flags:
//
//	-trace         print the client's frame trace to stderr (users-client -trace)
//	-server-trace  print the server's frame trace to stderr, marked [server]
//	-trace-values  show metadata values in the traces
//	-html FILE     draw the client's frame trace in FILE, an HTML page
//	               (users-client -html)
//	-username      the user the client creates ("tom"; "" shows an error call)
//	-addr          the address the server listens on ("127.0.0.1:0", a free port)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var cfg config
	flag.BoolVar(&cfg.trace, "trace", false, "print the client's frame trace to stderr")
	flag.BoolVar(&cfg.serverTrace, "server-trace", false, "print the server's frame trace to stderr")
	flag.BoolVar(&cfg.traceValues, "trace-values", false, "show metadata values in the traces")
	flag.StringVar(&cfg.html, "html", "", "draw the client's frame trace in this `file`, an HTML page")
	flag.StringVar(&cfg.username, "username", "tom", "the username the client creates")
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "the address the server listens on")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected arguments %q; it takes only flags\n", flag.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, cfg, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// config is the demo's flags.
type config struct {
	trace, serverTrace, traceValues bool
	username, addr, html            string
}

// run builds both programs, runs the client against a fresh server and stops
// the server. It returns the client's exit code.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) (int, error) {
	dir, err := os.MkdirTemp("", "grpcwire-demo-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintln(stderr, "demo: building users-server and users-client")
	bins, err := Build(ctx, dir)
	if err != nil {
		return 1, err
	}

	serverArgs := []string{"-addr", cfg.addr}
	if cfg.serverTrace {
		serverArgs = append(serverArgs, "-trace")
		if cfg.traceValues {
			serverArgs = append(serverArgs, "-trace-values")
		}
	}
	srv, err := StartServer(ctx, bins.Server, &prefixWriter{w: stderr, prefix: "[server] "}, serverArgs...)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "demo: users-server is listening on %s; running users-client\n", srv.Addr)

	clientArgs := []string{"-addr", srv.Addr, "-username", cfg.username}
	if cfg.trace {
		clientArgs = append(clientArgs, "-trace")
	}
	if cfg.traceValues && (cfg.trace || cfg.html != "") {
		clientArgs = append(clientArgs, "-trace-values")
	}
	if cfg.html != "" {
		clientArgs = append(clientArgs, "-html", cfg.html)
	}
	code, clientErr := RunClient(ctx, bins.Client, stdout, stderr, clientArgs...)

	fmt.Fprintln(stderr, "demo: stopping users-server")
	if err := srv.Stop(); err != nil {
		return 1, err
	}
	if clientErr != nil {
		return 1, clientErr
	}
	if code != 0 {
		return code, fmt.Errorf("users-client exited with status %d", code)
	}
	return 0, nil
}

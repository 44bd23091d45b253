// Command grpcwire calls any method of any gRPC server and, with -trace,
// shows every HTTP/2 frame of the call as it goes over the wire: the
// headers HPACK-decoded, each Length-Prefixed-Message with its prefix and
// its content, the trailers with the status they carry. It is for people
// studying gRPC beside grpc/grpc doc/PROTOCOL-HTTP2.md and for people
// debugging an interop problem with a server written in any language.
//
// Usage:
//
//	grpcwire list     [flags] ADDR [SERVICE]
//	grpcwire describe [flags] ADDR SYMBOL
//	grpcwire call     [flags] ADDR SERVICE/METHOD [JSON]
//	grpcwire check    [flags] ADDR
//	grpcwire proxy    [flags] -listen HOST:PORT TARGET
//
// list prints the server's services, or one service's methods with their
// call kinds. describe prints a service, method, message or enum as .proto
// source. call makes one call of any kind: the request messages are JSON
// (the argument, or a stream of JSON objects on stdin), and each response is
// printed as JSON (or -format text) as it arrives. The final status is
// printed to stderr as "code NAME: message", with its details. check runs
// black-box checks of the gRPC protocol against any server, each named by
// the spec sentence it tests, one line per check (see internal/check).
// proxy is a
// wire tap: it forwards every byte between any gRPC client and any gRPC
// server unchanged and prints the frames of both sides (package tap).
//
// The command learns the server's services through server reflection
// (grpc.reflection.v1, falling back to v1alpha), or from local .proto files
// (-proto FILE with -I DIR, parsed in pure Go) or a compiled protoset
// (-protoset FILE) when the server offers no reflection.
//
// Flags come before the arguments, as with the go command; run
// "grpcwire CMD -h" for each command's. The exit code is 0 when everything
// went well, 1 when the call ended with a gRPC status other than OK, and 2
// for a usage mistake or a connection problem (nothing could be asked of the
// server).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// The exit codes, which scripts branch on.
const (
	// exitOK: the command did what it was asked.
	exitOK = 0
	// exitStatus: the call reached the server, or a proxy before it, and
	// ended with a status other than OK (or failed locally on the way, as
	// with a deadline or a connection lost during the call).
	exitStatus = 1
	// exitUsage: a usage mistake, no connection could be made (nothing was
	// asked), or a server that cannot answer the question (no reflection,
	// unknown symbol).
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, stdinIsTerminal: isTerminal(os.Stdin)})
	stop()
	os.Exit(code)
}

// stdio is where a run reads requests and writes its output: the process's
// own streams in main, buffers in tests.
type stdio struct {
	in  io.Reader
	out io.Writer // responses, and the listings of list and describe
	err io.Writer // the trace, -v headers and trailers, the status, errors
	// stdinIsTerminal says that in is a person typing: a bidi call that the
	// server ended then returns without waiting for their next line.
	stdinIsTerminal bool
}

// A command is one of grpcwire's subcommands.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io *stdio, args []string) error
}

// commands are the subcommands, in the order the usage lists them.
var commands = []command{
	{"list", "list the server's services, or a service's methods", runList},
	{"describe", "print a service, method, message or enum as .proto source", runDescribe},
	{"call", "call a method and print its responses and status", runCall},
	{"check", "check a server against the gRPC spec, one line per check", runCheck},
	{"proxy", "forward a client's connections to a server, tracing both sides", runProxy},
}

// run runs the command line args (without the program's name) and returns
// the exit code.
func run(ctx context.Context, args []string, io *stdio) int {
	if len(args) == 0 {
		printUsage(io.err)
		return exitUsage
	}
	name := args[0]
	if name == "-h" || name == "-help" || name == "--help" || name == "help" {
		printUsage(io.out)
		return exitOK
	}
	for _, c := range commands {
		if c.name == name {
			return exitCode(io.err, c.run(ctx, io, args[1:]))
		}
	}
	fmt.Fprintf(io.err, "grpcwire: unknown command %q\n\n", name)
	printUsage(io.err)
	return exitUsage
}

// printUsage prints the list of commands.
func printUsage(w io.Writer) {
	fmt.Fprintln(w, "grpcwire calls any gRPC server and shows every frame with -trace.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\tgrpcwire list     [flags] ADDR [SERVICE]")
	fmt.Fprintln(w, "\tgrpcwire describe [flags] ADDR SYMBOL")
	fmt.Fprintln(w, "\tgrpcwire call     [flags] ADDR SERVICE/METHOD [JSON]")
	fmt.Fprintln(w, "\tgrpcwire check    [flags] ADDR")
	fmt.Fprintln(w, "\tgrpcwire proxy    [flags] -listen HOST:PORT TARGET")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "grpcwire CMD -h" for the flags of a command.`)
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 the call ended with a gRPC status, 2 usage or connection problem.")
}

// exitCode prints err, unless it was printed already, and returns the exit
// code it calls for.
func exitCode(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var cf *callFailed
	if errors.As(err, &cf) {
		// The status was printed with the call's output.
		return cf.code
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "grpcwire %s: %s\n", ue.cmd, ue.msg)
		fmt.Fprintf(w, "run \"grpcwire %s -h\" for usage\n", ue.cmd)
		return exitUsage
	}
	fmt.Fprintf(w, "grpcwire: %v\n", err)
	return exitUsage
}

// errHelp is returned when -h printed a command's usage: not a failure.
var errHelp = errors.New("help requested")

// usageError is a mistake on the command line, caught before anything was
// sent.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return "grpcwire " + e.cmd + ": " + e.msg }

// usagef returns a usageError of command cmd.
func usagef(cmd, format string, a ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, a...)}
}

// callFailed is a call that ended with a status other than OK; the status
// has been printed. code is the exit code it calls for.
type callFailed struct {
	code int
}

func (e *callFailed) Error() string { return fmt.Sprintf("the call failed (exit code %d)", e.code) }

// isTerminal reports whether f is a character device, such as the
// terminal a person types requests on.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

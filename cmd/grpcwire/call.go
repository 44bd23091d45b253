package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"grpcwire/client"
	"grpcwire/trace"
	"grpcwire/wire"
)

const callAbout = `call calls SERVICE/METHOD (as in users.Users/CreateUser) on the server at ADDR
and prints each response as it arrives, to stdout, then the final status to
stderr when it is not OK (with -v always) as "code NAME: message" and one
line per detail.

The requests are JSON, in protobuf's JSON mapping:
  unary and server-streaming: the JSON argument, "-" to read it from stdin,
    or none for an empty request;
  client-streaming and bidi: the JSON argument holding one or more objects,
    or, without it, a stream of JSON objects on stdin, sent as they are read
    (bidi responses are printed while requests are still being sent).

-trace prints every HTTP/2 frame of the call's connection to stderr: the
headers HPACK-decoded, each Length-Prefixed-Message with its prefix and its
content, the trailers. -html FILE draws the same frames as a sequence
diagram in a self-contained HTML page. The reflection questions that find
the method go over a connection of their own, traced only with
-trace-reflection.`

// callFlags are the flags of call on top of the common ones.
type callFlags struct {
	options
	timeout time.Duration
	gzip    bool
	format  string
	verbose bool
	// traceReflection traces the reflection connection too.
	traceReflection bool
	// html is the file the trace is drawn in, as an HTML page.
	html string
}

// runCall is "grpcwire call".
func runCall(ctx context.Context, io *stdio, args []string) error {
	var f callFlags
	fs := newFlagSet(io, "call", "ADDR SERVICE/METHOD [JSON]", callAbout)
	f.register(fs)
	fs.DurationVar(&f.timeout, "timeout", 0, "the call's deadline, sent as grpc-timeout (none by default)")
	fs.BoolVar(&f.gzip, "gzip", false, "compress the requests with gzip (grpc-encoding: gzip)")
	fs.StringVar(&f.format, "format", formatJSON, "print responses as `json` or text (the protobuf text format)")
	fs.BoolVar(&f.traceReflection, "trace-reflection", false, "with -trace or -html, also trace the connection the reflection questions go over")
	fs.StringVar(&f.html, "html", "", "write the frame trace to this `file` as an HTML page drawing the connection as a sequence diagram (with or without -trace)")
	fs.BoolVar(&f.verbose, "v", false, "print the response headers and trailers (to stderr), and the status even when OK")
	rest, err := parseFlags(fs, "call", args, 2, 3)
	if err != nil {
		return err
	}
	if err := f.check("call"); err != nil {
		return err
	}
	if f.format != formatJSON && f.format != formatText {
		return usagef("call", "-format %q: want json or text", f.format)
	}
	if f.timeout < 0 {
		return usagef("call", "-timeout must not be negative")
	}
	if f.traceReflection && !f.trace && f.html == "" {
		return usagef("call", "-trace-reflection adds a connection to the trace: give -trace or -html too")
	}
	md, err := parseHeaders(f.headers)
	if err != nil {
		return usagef("call", "%v", err)
	}
	c := &caller{f: &f, io: io, addr: rest[0], md: md}
	if len(rest) == 3 {
		c.jsonArg, c.hasJSONArg = rest[2], true
	}
	return c.run(ctx, rest[1])
}

// caller is one run of "grpcwire call".
type caller struct {
	f          *callFlags
	io         *stdio
	addr       string
	md         wire.Metadata
	jsonArg    string
	hasJSONArg bool

	method   protoreflect.MethodDescriptor
	resolver *typeResolver
	trailer  wire.Metadata // the call's trailers, for -v
}

// run finds the method, reads the requests it can read up front (so that a
// mistake in them is named before anything is sent), makes the call and
// prints its outcome.
func (c *caller) run(ctx context.Context, name string) error {
	tr, err := trace.FlagTracer(c.io.err, c.f.trace, c.f.html, c.f.traceValues, c.f.traceTimes)
	if err != nil {
		return err
	}
	// Closed last, after the connection's final frames: it ends the page.
	defer tr.Close()
	srcTracer := tr
	if !c.f.traceReflection {
		srcTracer = nil
	}
	src, err := openSource(ctx, &c.f.options, c.addr, srcTracer)
	if err != nil {
		return err
	}
	defer src.Close()
	c.method, err = findMethod(ctx, src, name)
	if err != nil {
		return err
	}
	c.resolver = &typeResolver{ctx: ctx, src: src}

	var reqs *jsonStream
	switch {
	case c.hasJSONArg && c.jsonArg != "-":
		reqs = newJSONStream(strings.NewReader(c.jsonArg), "the JSON argument", c.resolver)
	case c.hasJSONArg || c.method.IsStreamingClient():
		reqs = newJSONStream(c.io.in, "stdin", c.resolver)
	default:
		reqs = newJSONStream(strings.NewReader("{}"), "the empty request", c.resolver)
	}
	var first []*dynamicpb.Message // requests read before the call
	if !c.method.IsStreamingClient() {
		first, err = reqs.all(c.method.Input())
		if err != nil {
			return usagef("call", "%v", err)
		}
		if len(first) != 1 {
			return usagef("call", "%s is %s: it takes exactly one request, and %s holds %d", name, callKind(c.method), reqs.what, len(first))
		}
	} else if reqs.what != "stdin" {
		if first, err = reqs.all(c.method.Input()); err != nil {
			return usagef("call", "%v", err)
		}
	}

	if tr != nil {
		registerForTrace(c.method.ParentFile())
	}
	conn, err := c.f.dial(c.addr, tr)
	if err != nil {
		return err
	}
	callErr := c.call(ctx, conn, first, reqs)
	// Closed before the status is printed, so that the trace's last frames
	// (the client's GOAWAY) come before it.
	conn.Close()

	var ue *usageError
	if errors.As(callErr, &ue) {
		return callErr
	}
	st := wire.StatusOf(callErr)
	if c.f.verbose {
		printMetadata(c.io.err, "trailer", c.trailer)
	}
	if st == nil {
		if c.f.verbose {
			fmt.Fprintln(c.io.err, statusLine(wire.NewStatus(wire.OK, "")))
		}
		return nil
	}
	printStatus(c.io.err, st, c.resolver)
	if hint := c.f.connectHint(st); hint != "" {
		fmt.Fprintln(c.io.err, hint)
	}
	return &callFailed{code: exitCodeOf(st)}
}

// call makes the call: Invoke for unary, a stream for the other kinds.
func (c *caller) call(ctx context.Context, conn *client.Conn, first []*dynamicpb.Message, reqs *jsonStream) error {
	if c.f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.f.timeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := []client.CallOption{client.WithMetadata(c.md), client.Trailer(&c.trailer)}
	if c.f.gzip {
		opts = append(opts, client.UseCompressor("gzip"))
	}
	path := "/" + string(c.method.Parent().FullName()) + "/" + string(c.method.Name())

	if !c.method.IsStreamingClient() && !c.method.IsStreamingServer() {
		var hdr wire.Metadata
		res := dynamicpb.NewMessage(c.method.Output())
		err := conn.Invoke(ctx, path, first[0], res, append(opts, client.Header(&hdr))...)
		c.printHeader(hdr)
		if err != nil {
			return err
		}
		return c.print(res)
	}

	desc := &client.StreamDesc{ClientStreams: c.method.IsStreamingClient(), ServerStreams: c.method.IsStreamingServer()}
	cs, err := conn.NewStream(ctx, desc, path, opts...)
	if err != nil {
		return err
	}
	var sendErr chan error
	switch {
	case !desc.ClientStreams:
		if err := cs.SendMsg(first[0]); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		_ = cs.CloseSend()
	case !desc.ServerStreams:
		// Client-streaming: every request, then the one response.
		if err := c.sendAll(cs, first, reqs); err != nil {
			return err
		}
	default:
		// Bidi: requests go out as they are read while responses are
		// printed as they arrive.
		sendErr = make(chan error, 1)
		go func() {
			err := c.sendAll(cs, first, reqs)
			if err != nil {
				cancel()
			}
			sendErr <- err
		}()
	}

	if c.f.verbose {
		hdr, err := cs.Header()
		if err == nil {
			c.printHeader(hdr)
		}
	}
	var recvErr error
	for {
		res := dynamicpb.NewMessage(c.method.Output())
		if err := cs.RecvMsg(res); err != nil {
			if !errors.Is(err, io.EOF) {
				recvErr = err
			}
			break
		}
		if err := c.print(res); err != nil {
			cancel()
			recvErr = err
			break
		}
	}
	if sendErr != nil {
		if c.io.stdinIsTerminal {
			// The call is over; a person's next line would only be
			// refused, so the command does not wait for it.
			select {
			case err := <-sendErr:
				if err != nil {
					return err
				}
			default:
			}
			return recvErr
		}
		if err := <-sendErr; err != nil {
			return err
		}
	}
	return recvErr
}

// sendAll sends the requests read up front, then those of the stream, then
// half-closes. A request that is not valid JSON ends the call: it returns a
// usageError. A server that ended the call stops the sending quietly; the
// receiving side reports its status.
func (c *caller) sendAll(cs client.ClientStream, first []*dynamicpb.Message, reqs *jsonStream) error {
	for _, m := range first {
		if err := cs.SendMsg(m); err != nil {
			return sendFailed(err)
		}
	}
	if reqs.what == "stdin" {
		for {
			m, err := reqs.next(c.method.Input())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return &usageError{cmd: "call", msg: err.Error()}
			}
			if err := cs.SendMsg(m); err != nil {
				return sendFailed(err)
			}
		}
	}
	return cs.CloseSend()
}

// sendFailed is what a failed SendMsg means for the call: io.EOF (the
// server ended the call) is no failure of the sending side.
func sendFailed(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// printHeader prints the response headers for -v.
func (c *caller) printHeader(hdr wire.Metadata) {
	if c.f.verbose {
		printMetadata(c.io.err, "header", hdr)
	}
}

// print writes one response to stdout.
func (c *caller) print(m *dynamicpb.Message) error {
	b, err := formatMessage(m, c.f.format, c.resolver)
	if err != nil {
		return fmt.Errorf("cannot print a %s response: %v", c.method.Output().FullName(), err)
	}
	_, err = c.io.out.Write(b)
	return err
}

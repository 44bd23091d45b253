package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"google.golang.org/protobuf/reflect/protoreflect"

	"grpcwire/trace"
)

const listAbout = `list prints the services of the server at ADDR, one full name per line,
or, given a SERVICE, its methods as SERVICE/METHOD (the form call takes) with
their call kinds. The services come from server reflection unless -proto or
-protoset name local files.`

// runList is "grpcwire list".
func runList(ctx context.Context, io *stdio, args []string) error {
	var o options
	fs := newFlagSet(io, "list", "ADDR [SERVICE]", listAbout)
	o.register(fs)
	rest, err := parseFlags(fs, "list", args, 1, 2)
	if err != nil {
		return err
	}
	if err := o.check("list"); err != nil {
		return err
	}
	src, err := openSource(ctx, &o, rest[0], o.newTracer(io.err))
	if err != nil {
		return err
	}
	defer src.Close()

	if len(rest) == 1 {
		names, err := src.Services(ctx)
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Fprintln(io.out, n)
		}
		return nil
	}
	d, err := src.FindSymbol(ctx, protoreflect.FullName(rest[1]))
	if err != nil {
		return err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return fmt.Errorf("%s is a %s, not a service: grpcwire describe shows it", rest[1], kindOf(d))
	}
	tw := tabwriter.NewWriter(io.out, 0, 0, 2, ' ', 0)
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		fmt.Fprintf(tw, "%s/%s\t%s\n", sd.FullName(), md.Name(), callKind(md))
	}
	return tw.Flush()
}

// callKind names a method's call kind as doc/PROTOCOL-HTTP2.md's readers
// know them.
func callKind(md protoreflect.MethodDescriptor) string {
	switch {
	case md.IsStreamingClient() && md.IsStreamingServer():
		return "bidi-streaming"
	case md.IsStreamingClient():
		return "client-streaming"
	case md.IsStreamingServer():
		return "server-streaming"
	}
	return "unary"
}

// openSource returns where the service descriptions come from: the local
// files the flags name, else reflection at addr over a connection of its
// own, traced by tr when tr is not nil.
func openSource(ctx context.Context, o *options, addr string, tr *trace.Tracer) (source, error) {
	if o.usesFiles() {
		return newFileSource(ctx, o)
	}
	md, err := parseHeaders(o.headers)
	if err != nil {
		return nil, err
	}
	conn, err := o.dial(addr, tr)
	if err != nil {
		return nil, err
	}
	return newReflectionSource(ctx, conn, addr, md, o.connectHint), nil
}

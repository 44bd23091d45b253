package main

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

const describeAbout = `describe prints SYMBOL, a service, method, message, enum, enum value or field
of the server at ADDR, as .proto source. SYMBOL is a full name
(users.Users, users.Users.CreateUser or users.Users/CreateUser, users.User).
A method is printed with its request and response messages.`

// runDescribe is "grpcwire describe".
func runDescribe(ctx context.Context, io *stdio, args []string) error {
	var o options
	fs := newFlagSet(io, "describe", "ADDR SYMBOL", describeAbout)
	o.register(fs)
	rest, err := parseFlags(fs, "describe", args, 2, 2)
	if err != nil {
		return err
	}
	if err := o.check("describe"); err != nil {
		return err
	}
	src, err := openSource(ctx, &o, rest[0], o.newTracer(io.err))
	if err != nil {
		return err
	}
	defer src.Close()

	// users.Users/CreateUser, the form call takes, names a method too.
	name := strings.ReplaceAll(strings.TrimPrefix(rest[1], "/"), "/", ".")
	name = strings.TrimPrefix(name, ".")
	if !protoreflect.FullName(name).IsValid() {
		return usagef("describe", "%q is not a full name of a protobuf symbol, such as users.Users or users.User", rest[1])
	}
	d, err := src.FindSymbol(ctx, protoreflect.FullName(name))
	if err != nil {
		return err
	}
	fmt.Fprint(io.out, describe(d))
	return nil
}

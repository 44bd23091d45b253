package main

import (
	"testing"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/server"
	"grpcwire/wire"
)

// v1Refused is a stream interceptor that answers grpc.reflection.v1 with
// UNIMPLEMENTED, making a server that offers only v1alpha, as older servers
// do.
func v1Refused(st server.ServerStream, info *server.CallInfo, next server.StreamHandler) error {
	if info.FullMethod == reflectionMethods[0] {
		return wire.Errorf(wire.Unimplemented, "unknown service grpc.reflection.v1.ServerReflection")
	}
	return next(st)
}

// TestList lists services and methods through reflection (v1, and v1alpha
// on a server without v1), and names the problem when it cannot.
func TestList(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInterop(t, false)
	alphaOnly := startInterop(t, false, server.ChainStreamInterceptor(v1Refused))
	noRefl := startInterop(t, true)

	const services = "grpc.reflection.v1.ServerReflection\n" +
		"grpc.reflection.v1alpha.ServerReflection\n" +
		"grpc.testing.TestService\n"
	const methods = "grpc.testing.TestService/EmptyCall            unary\n" +
		"grpc.testing.TestService/UnaryCall            unary\n" +
		"grpc.testing.TestService/StreamingOutputCall  server-streaming\n" +
		"grpc.testing.TestService/StreamingInputCall   client-streaming\n" +
		"grpc.testing.TestService/FullDuplexCall       bidi-streaming\n" +
		"grpc.testing.TestService/HalfDuplexCall       bidi-streaming\n"
	for _, tc := range []struct {
		name string
		args []string
		out  string
	}{
		{"services", []string{"-plaintext", addr}, services},
		{"methods", []string{"-plaintext", addr, "grpc.testing.TestService"}, methods},
		{"services through v1alpha", []string{"-plaintext", alphaOnly}, services},
		{"methods through v1alpha", []string{"-plaintext", alphaOnly, "grpc.testing.TestService"}, methods},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := grpcwire(t, "", append([]string{"list"}, tc.args...)...)
			if r.code != exitOK || r.stdout != tc.out || r.stderr != "" {
				t.Errorf("want exit 0 and stdout:\n%s\n%s", tc.out, r)
			}
		})
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no reflection", []string{"-plaintext", noRefl}, "does not offer server reflection (grpc.reflection.v1 or v1alpha answered UNIMPLEMENTED): give its services' .proto files with -proto"},
		{"unknown service", []string{"-plaintext", addr, "no.Such"}, "symbol no.Such not found in the server's reflection"},
		{"not a service", []string{"-plaintext", addr, "grpc.testing.SimpleRequest"}, "grpc.testing.SimpleRequest is a message, not a service"},
		{"TLS to a cleartext server", []string{"-insecure-skip-verify", addr}, "14 UNAVAILABLE"},
		{"too many arguments", []string{"-plaintext", addr, "a", "b"}, "usage: grpcwire list [flags] ADDR [SERVICE]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, grpcwire(t, "", append([]string{"list"}, tc.args...)...), exitUsage, tc.want)
		})
	}
}

// TestUsage checks the command line without a command, -h, and an unknown
// command.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "grpcwire list     [flags] ADDR [SERVICE]"},
		{[]string{"-h"}, exitOK, "Exit codes: 0 ok, 1 the call ended with a gRPC status, 2 usage or connection problem."},
		{[]string{"nope"}, exitUsage, `grpcwire: unknown command "nope"`},
		{[]string{"list", "-h"}, exitOK, "-proto file"},
		{[]string{"describe", "-h"}, exitOK, "usage: grpcwire describe [flags] ADDR SYMBOL"},
		{[]string{"call", "-h"}, exitOK, "-trace-times"},
		{[]string{"call", "-nope"}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"call", "-trace-reflection", "127.0.0.1:1", "a.B/C"}, exitUsage, "-trace-reflection adds a connection to the trace: give -trace or -html too"},
		{[]string{"list", "-I", "protos", "127.0.0.1:1"}, exitUsage, "-I gives where -proto files are found; name the files with -proto"},
	} {
		expect(t, grpcwire(t, "", tc.args...), tc.code, tc.want)
	}
}

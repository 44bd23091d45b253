// Package conformance runs grpcwire against stock grpc-go, in both directions,
// over loopback. It is its own module so that google.golang.org/grpc never
// enters the import graph of the grpcwire module itself. The tools its tests
// run (h2spec, grpcurl, grpc-health-probe, grpc-go's interop client and
// server, protoc-gen-go-grpc) are pinned as tool directives in its go.mod and
// built by the tests with "go tool".
//
// Layout:
//
//	echopb/           echo.proto and echo_messages.proto, the test service, with
//	                  the generated messages and grpcwire stubs (go generate there)
//	echopb/echogrpc/  grpc-go's stubs for the same service
//	echoserver/       Echo implemented twice, on grpc-go and on grpcwire, alike
//	*_test.go         the tests: every table runs against four directions,
//	                  grpc-go client to grpcwire server, grpcwire client to
//	                  grpc-go server, and as controls grpc-go and grpcwire
//	                  against themselves
//
// The tests cover the four call kinds, metadata (ASCII and -bin, headers and
// trailers), status codes, messages and details, deadlines, cancellation from
// either side, gzip, receive limits, messages near 4 MiB and 100 concurrent
// calls. A wire tap on the server's listener decodes the HTTP/2 frames that
// really crossed the socket, so checks such as "this message was compressed"
// do not rest on either library's word. Every test checks that it leaves no
// goroutine behind.
//
// Where grpcwire is known to disagree with grpc-go, the table rows concerned
// skip with the reason (bugs_test.go); go test -tags grpcwire_pending runs
// them, and focused tests of each bug (pending_test.go), and fails until the
// bugs are fixed.
package conformance

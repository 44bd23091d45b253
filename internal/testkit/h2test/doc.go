// Package h2test plays one side of an HTTP/2 connection by hand, so that tests
// of grpcwire's server and client can pin the exact frames they exchange.
//
// End-to-end tests see calls succeed or fail; they cannot see whether a
// failure was sent as Trailers-Only, which RST_STREAM code ended a stream,
// which stream id a GOAWAY named, or whether a PING was acknowledged. A Peer
// writes exactly the frames a test asks for (protocol violations included,
// because its Framer allows illegal writes) and checks exactly the frames that
// come back, failing the test with the frames seen so far when something else
// arrives or nothing arrives in time.
//
// A typical server test:
//
//	client, server := h2test.Pipe(t)
//	go serveUnderTest(server)
//	p := h2test.NewClient(t, client)
//	p.Handshake()
//	p.WriteGRPCRequestHeaders(1, "/pkg.Service/Method", false)
//	p.WriteGRPCMessage(1, true, false, req)
//	h := p.ExpectHeaders(1, false) // response headers
//	msgs, _ := p.ExpectGRPCMessages(1, 1)
//	tr := p.ExpectHeaders(1, true) // trailers
//
// The package is a test helper: it imports "testing" and is meant to be used
// only from _test.go files. It depends on nothing of grpcwire, only on the
// standard library and golang.org/x/net/http2, so that it can test every
// layer above it.
//
// Concurrency: one goroutine may read (ReadFrame, Expect*, Handshake) while
// others write; writes are serialised by the Peer. Two goroutines must not
// read at once. Failures call T.Fatalf, which the testing package only allows
// from the goroutine running the test, so read from that goroutine.
package h2test

package main

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"

	pb "grpcwire/interop/grpc_testing"
)

// testCase is how the server plays one case of
// doc/negative-http2-interop-test-descriptions.md. Every hook runs on the
// connection's goroutine.
type testCase struct {
	name string
	// extraSettings, when set, go in a second SETTINGS frame right after
	// the first.
	extraSettings []http2.Setting
	// maxStreams is the limit the server checks the client keeps, once it
	// acknowledged extraSettings (0: none).
	maxStreams int
	// onRequest runs when a stream's request headers arrive.
	onRequest func(c *conn, s *stream)
	// onMessage runs when its whole request message has arrived.
	onMessage func(c *conn, s *stream, req *pb.SimpleRequest)
	// onClose runs when the client has gone: the case's assertions.
	onClose func(c *conn)
}

// cases are the six cases, by their --test_case names.
var cases = map[string]*testCase{
	// goaway: "Server sends a GOAWAY after receiving the first UnaryCall."
	// (the Python server: after the call's trailers, with the call's
	// stream as the last stream id), and asserts that "The second
	// UnaryCall has a different stream_id than the first one": it came on
	// a new connection.
	"goaway": {
		name:      "goaway",
		onRequest: func(c *conn, s *stream) { c.sendResponseHeaders(s) },
		onMessage: func(c *conn, s *stream, req *pb.SimpleRequest) {
			c.send(s, response(req), func() {
				c.sendTrailers(s)
				c.goAwayAfter(s)
				c.srv.callServed(c, s)
			})
		},
	},
	// rst_after_header: "Server sends a RST_STREAM with error code 0 after
	// sending headers to the client."
	"rst_after_header": {
		name: "rst_after_header",
		onRequest: func(c *conn, s *stream) {
			c.sendResponseHeaders(s)
			c.reset(s)
			c.logf("stream %d: Response-Headers, then RST_STREAM NO_ERROR", s.id)
		},
		onMessage: func(*conn, *stream, *pb.SimpleRequest) {},
	},
	// rst_during_data: "Server sends a RST_STREAM with error code 0 after
	// sending half of the requested data to the client." (the first half
	// of the Length-Prefixed-Message).
	"rst_during_data": {
		name:      "rst_during_data",
		onRequest: func(c *conn, s *stream) { c.sendResponseHeaders(s) },
		onMessage: func(c *conn, s *stream, req *pb.SimpleRequest) {
			data := response(req)
			half := data[:len(data)/2]
			c.send(s, half, func() {
				c.reset(s)
				c.logf("stream %d: Response-Headers, %d of the message's %d bytes, then RST_STREAM NO_ERROR", s.id, len(half), len(data))
			})
		},
	},
	// rst_after_data: "Server sends a RST_STREAM with error code 0 after
	// sending all of the data to the client." (no trailers).
	"rst_after_data": {
		name:      "rst_after_data",
		onRequest: func(c *conn, s *stream) { c.sendResponseHeaders(s) },
		onMessage: func(c *conn, s *stream, req *pb.SimpleRequest) {
			data := response(req)
			c.send(s, data, func() {
				c.reset(s)
				c.logf("stream %d: Response-Headers, the whole %d-byte message, then RST_STREAM NO_ERROR", s.id, len(data))
			})
		},
	},
	// ping: "Server sends pings before and after sending headers, also
	// before and after sending data." and asserts that the "Number of
	// outstanding pings is 0 when the connection is lost."
	"ping": {
		name: "ping",
		onRequest: func(c *conn, s *stream) {
			c.ping()
			c.sendResponseHeaders(s)
			c.ping()
		},
		onMessage: func(c *conn, s *stream, req *pb.SimpleRequest) {
			c.ping()
			// The PING after the data goes before the trailers even when
			// the windows let all the data out at once: once a client has
			// its trailers it may close the connection, and a PING it
			// never read would count against it.
			s.holdTrailer = true
			c.send(s, response(req), func() { c.sendTrailers(s) })
			c.ping()
			s.holdTrailer = false
			if s.trailerDue {
				c.sendTrailers(s)
			}
			c.logf("stream %d: 4 PINGs around the Response-Headers and the data", s.id)
		},
		onClose: func(c *conn) {
			if c.pingsSent == 0 {
				return
			}
			if c.outstandingPings != 0 {
				c.srv.logf("ping: FAIL: connection %d closed with %d of its %d PINGs unacknowledged (RFC 9113 §6.7: \"Receivers of a PING frame that does not include an ACK flag MUST send a PING frame with the ACK flag set in response\")", c.id, c.outstandingPings, c.pingsSent)
				return
			}
			c.srv.logf("ping: PASS: connection %d closed with all of its %d PINGs acknowledged", c.id, c.pingsSent)
		},
	},
	// max_streams: the server "Sets MAX_CONCURRENT_STREAMS to one after the
	// connection is made." (a second SETTINGS frame) and checks the client
	// keeps to it.
	"max_streams": {
		name:          "max_streams",
		extraSettings: []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: 1}},
		maxStreams:    1,
		onRequest:     func(c *conn, s *stream) { c.sendResponseHeaders(s) },
		onMessage: func(c *conn, s *stream, req *pb.SimpleRequest) {
			c.send(s, response(req), func() { c.sendTrailers(s) })
		},
		onClose: func(c *conn) {
			if c.mostOpen == 0 {
				return
			}
			c.srv.logf("max_streams: connection %d closed; at most %d stream(s) were open at once under SETTINGS_MAX_CONCURRENT_STREAMS 1", c.id, c.mostOpen)
		},
	},
}

// callServed records, for the goaway case, that connection c served a
// call, and checks the case's assertion: a call after a GOAWAY comes on a
// new connection.
func (s *server) callServed(c *conn, st *stream) {
	s.mu.Lock()
	earlier := make([]int, 0, len(s.goAwayConns))
	for id := range s.goAwayConns {
		if id != c.id {
			earlier = append(earlier, id)
		}
	}
	s.goAwayConns[c.id] = true
	s.mu.Unlock()
	c.logf("stream %d: served, then GOAWAY NO_ERROR with last stream %d", st.id, st.id)
	if len(earlier) > 0 {
		s.logf("goaway: PASS: a call came on connection %d, a new one after the GOAWAY of connection %v", c.id, earlier)
	}
}

// response is the Python server's answer to req, framed: a
// Length-Prefixed-Message holding a SimpleResponse whose payload is
// response_size zero bytes.
func response(req *pb.SimpleRequest) []byte {
	b, err := proto.Marshal(&pb.SimpleResponse{Payload: &pb.Payload{Body: make([]byte, req.GetResponseSize())}})
	if err != nil {
		panic(err) // a message built here always marshals
	}
	out := make([]byte, 5, 5+len(b))
	binary.BigEndian.PutUint32(out[1:5], uint32(len(b)))
	return append(out, b...)
}

// errCompressed is a request the server cannot read: it compresses
// nothing and decompresses nothing, as the Python server.
var errCompressed = errors.New("a compressed request (Compressed-Flag 1); this server reads only uncompressed ones")

// parseRequest decodes a stream's bytes, one whole Length-Prefixed-Message,
// as a SimpleRequest.
func parseRequest(b []byte) (*pb.SimpleRequest, error) {
	if len(b) < 5 || uint64(len(b)) != 5+uint64(binary.BigEndian.Uint32(b[1:5])) {
		return nil, fmt.Errorf("not one Length-Prefixed-Message (%d bytes)", len(b))
	}
	switch b[0] {
	case 0:
	case 1:
		return nil, errCompressed
	default:
		return nil, fmt.Errorf("Compressed-Flag %d (the spec allows 0 and 1)", b[0])
	}
	req := new(pb.SimpleRequest)
	if err := proto.Unmarshal(b[5:], req); err != nil {
		return nil, fmt.Errorf("the request is not a grpc.testing.SimpleRequest: %v", err)
	}
	if req.GetResponseSize() < 0 || req.GetResponseSize() > maxRequest {
		return nil, fmt.Errorf("response_size %d is outside [0, %d]", req.GetResponseSize(), maxRequest)
	}
	return req, nil
}

package check

// The documents the checks cite: grpc/grpc's doc/ files and the RFCs.
const (
	docProtocol    = "PROTOCOL-HTTP2.md"
	docStatusCodes = "statuscodes.md"
	docCompression = "compression.md"
	docRFC9113     = "RFC 9113"
)

// DocURL returns where a document of Ref.Doc is published.
func DocURL(doc string) string {
	switch doc {
	case docRFC9113:
		return "https://www.rfc-editor.org/rfc/rfc9113"
	}
	return "https://github.com/grpc/grpc/blob/master/doc/" + doc
}

// statusCodesSection is statuscodes.md's one section, whose table lists
// "the codes that may be returned by the gRPC libraries".
const statusCodesSection = "Status codes and their use in gRPC"

// Sentences quoted by more than one check.
var (
	refMethodNotFound = Ref{docStatusCodes, statusCodesSection,
		"Method not found at server | UNIMPLEMENTED | Server"}
	refCardinality = Ref{docStatusCodes, statusCodesSection,
		"Request cardinality violation (method requires exactly one request but client sent some other number of requests) | UNIMPLEMENTED | Server"}
	refSizeLimit = Ref{docStatusCodes, statusCodesSection,
		"Sent or received message was larger than configured limit | RESOURCE_EXHAUSTED | Both"}
	refDataFrames = Ref{docProtocol, "Data Frames",
		"DATA frame boundaries have no relation to Length-Prefixed-Message boundaries and implementations should make no assumptions about their alignment."}
	refBinary = Ref{docProtocol, "Requests",
		"Implementations MUST accept padded and un-padded values and should emit un-padded values."}
	refCompressedFlag = Ref{docProtocol, "Requests",
		"A Compressed-Flag value of 1 indicates that the binary octet sequence of Message is compressed using the mechanism declared by the Message-Encoding header."}
	refTimeoutValue = Ref{docProtocol, "Requests",
		"TimeoutValue → {positive integer as ASCII string of at most 8 digits}"}
)

// Catalogue is every check, in the order of the spec: what a server must
// answer to any request, then the calls to grpc.testing.TestService.
var Catalogue = []*Check{
	// Methods the server does not have.
	{ID: "unimplemented-service", What: "a call of a service the server does not have → UNIMPLEMENTED",
		Ref: refMethodNotFound, Run: checkUnimplementedService},
	{ID: "unimplemented-method", What: "a call of a method its service does not have → UNIMPLEMENTED",
		Ref: refMethodNotFound, Needs: NeedsService, Run: checkUnimplementedMethod},
	{ID: "trailers-only", What: "a call of an unknown service → one HEADERS frame with END_STREAM, :status 200, content-type and grpc-status",
		Ref: Ref{docProtocol, "Responses",
			"Most responses are expected to have both headers and trailers but Trailers-Only is permitted for calls that produce an immediate error."},
		Run: checkTrailersOnly},
	{ID: "rst-after-early-trailers", What: "a call of an unknown service without END_STREAM → the trailers, then RST_STREAM NO_ERROR",
		Ref: Ref{docProtocol, "Early Server Closure",
			"If a server responds with Trailers before the client's END_STREAM, then the server should send RST_STREAM with NO_ERROR error code immediately following that HEADERS frame as suggested by RFC 7540 Section 8.1 to allow the stream to be deallocated."},
		Run: checkRSTAfterEarlyTrailers},
	{ID: "ok-status-in-trailers", What: "a call that succeeds → Response-Headers, the message, Trailers with grpc-status 0",
		Ref: Ref{docProtocol, "Responses",
			"Status must be sent in Trailers even if the status code is OK."},
		Needs: NeedsMethod, Run: checkOKStatusInTrailers},

	// Request-Headers.
	{ID: "method-not-post", What: ":method GET → HTTP 405",
		Ref: Ref{docProtocol, "Requests",
			"Method → \":method POST\""},
		Run: checkMethodNotPost},
	{ID: "content-type-not-grpc", What: "content-type application/json, and none → HTTP 415",
		Ref: Ref{docProtocol, "Requests",
			"If Content-Type does not begin with \"application/grpc\", gRPC servers SHOULD respond with HTTP status of 415 (Unsupported Media Type)."},
		Run: checkContentTypeNotGRPC},
	{ID: "content-type-proto", What: "content-type application/grpc+proto → served",
		Ref: Ref{docProtocol, "Requests",
			"Content-Type → \"content-type\" \"application/grpc\" [(\"+proto\" / \"+json\" / {_custom_})]"},
		Needs: NeedsMethod, Run: checkContentTypeProto},
	{ID: "te-missing", What: "no te header → served, or refused with a grpc-status",
		Ref: Ref{docProtocol, "Requests",
			"TE → \"te\" \"trailers\" # Used to detect incompatible proxies"},
		Needs: NeedsMethod, Run: checkTEMissing},
	{ID: "te-not-trailers", What: "te: trailers, deflate → RST_STREAM PROTOCOL_ERROR or HTTP 4xx",
		Ref: Ref{docRFC9113, "8.2.2",
			"The only exception to this is the TE header field, which MAY be present in an HTTP/2 request; when it is, it MUST NOT contain any value other than \"trailers\"."},
		Run: checkTENotTrailers},
	{ID: "timeout-malformed", What: "grpc-timeout 1x, 123456789S, -1S, S, 1.5S, \"1 S\" → refused with a grpc-status, or ignored",
		Ref: refTimeoutValue, Needs: NeedsMethod, Run: checkTimeoutMalformed},
	{ID: "timeout-max", What: "grpc-timeout 99999999H → served",
		Ref: refTimeoutValue, Needs: NeedsMethod, Run: checkTimeoutMax},
	{ID: "bin-accept-padded", What: "a -bin header padded (qw==) and not (qw) → served",
		Ref: refBinary, Needs: NeedsMethod, Run: checkBinAcceptPadded},
	{ID: "reserved-grpc-header", What: "an unknown grpc- header → served",
		Ref: Ref{docProtocol, "Requests",
			"Header names starting with \"grpc-\" but not listed here are reserved for future GRPC use and should not be used by applications as Custom-Metadata."},
		Needs: NeedsMethod, Run: checkReservedGRPCHeader},
	{ID: "pseudo-after-regular", What: ":authority after the regular fields → RST_STREAM PROTOCOL_ERROR or HTTP 4xx",
		Ref: Ref{docProtocol, "Requests",
			"HTTP2 requires that reserved headers, ones starting with \":\" appear before all other headers."},
		Run: checkPseudoAfterRegular},
	{ID: "pseudo-unknown", What: "an undefined pseudo-header → RST_STREAM PROTOCOL_ERROR or HTTP 4xx",
		Ref: Ref{docRFC9113, "8.3",
			"Endpoints MUST treat a request or response that contains undefined or invalid pseudo-header fields as malformed (Section 8.1.1)."},
		Run: checkUnknownPseudo},
	{ID: "connection-header", What: "connection: keep-alive → RST_STREAM PROTOCOL_ERROR or HTTP 4xx",
		Ref: Ref{docRFC9113, "8.2.2",
			"Any message containing connection-specific header fields MUST be treated as malformed (Section 8.1.1)."},
		Run: checkConnectionHeader},
	{ID: "uppercase-header", What: "an upper-case field name → RST_STREAM PROTOCOL_ERROR or HTTP 4xx",
		Ref: Ref{docRFC9113, "8.2.1",
			"A field name MUST NOT contain characters in the ranges 0x00-0x20, 0x41-0x5a, or 0x7f-0xff (all ranges inclusive)."},
		Run: checkUppercaseHeader},

	// Length-Prefixed-Messages.
	{ID: "compressed-flag-without-encoding", What: "Compressed-Flag 1 without grpc-encoding → INTERNAL",
		Ref: Ref{docCompression, "Test cases",
			"An ill-constructed message with its Compressed-Flag bit set but lacking a grpc-encoding entry different from identity in its metadata MUST fail with INTERNAL status, its associated description indicating the invalid Compressed-Flag condition."},
		Needs: NeedsMethod, Run: checkCompressedFlagNoEncoding},
	{ID: "unknown-encoding", What: "grpc-encoding of an unknown coding → UNIMPLEMENTED with grpc-accept-encoding",
		Ref: Ref{docCompression, "Compression Method Asymmetry Between Peers",
			"When a message from a client compressed with an unsupported algorithm is processed by a server, it WILL result in an UNIMPLEMENTED error status on the server. The server will then include in its response a grpc-accept-encoding header specifying the algorithms it does accept."},
		Needs: NeedsMethod, Run: checkUnknownEncoding},
	{ID: "truncated-message", What: "a message cut short by END_STREAM → INTERNAL or RST_STREAM",
		Ref: Ref{docProtocol, "Errors",
			"In some cases it is possible that the framing of the message stream has become corrupt and the RPC runtime will choose to use an RST_STREAM frame to indicate this state to its peer."},
		Needs: NeedsMethod, Run: checkTruncatedMessage},
	{ID: "length-4gib", What: "a prefix claiming 4 GiB, 16 bytes sent → RESOURCE_EXHAUSTED at once",
		Ref: refSizeLimit, Needs: NeedsMethod, Run: checkLength4GiB},

	// Streams and the connection.
	{ID: "client-rst", What: "RST_STREAM CANCEL on an open call → no RST_STREAM back; the connection serves the next call",
		Ref: Ref{docRFC9113, "5.4.2",
			"To avoid looping, an endpoint MUST NOT send a RST_STREAM in response to a RST_STREAM frame."},
		Needs: NeedsMethod, Run: checkClientRST},
	{ID: "ping", What: "PING → PING ACK with the same 8 bytes",
		Ref: Ref{docProtocol, "PING Frame",
			"Both clients and servers can send a PING frame that the peer must respond to by precisely echoing what they received."},
		Run: checkPing},

	// grpc.testing.TestService.
	{ID: "cardinality-zero", What: "UnaryCall with no request → UNIMPLEMENTED",
		Ref: refCardinality, Needs: NeedsTestService, Run: checkCardinalityZero},
	{ID: "cardinality-two", What: "UnaryCall with two requests → UNIMPLEMENTED",
		Ref: refCardinality, Needs: NeedsTestService, Run: checkCardinalityTwo},
	{ID: "message-split-frames", What: "a request in DATA frames of 1, 2, 3, ... bytes → served",
		Ref: refDataFrames, Needs: NeedsTestService, Run: checkSplitFrames},
	{ID: "messages-one-frame", What: "StreamingInputCall with four messages in one DATA frame → their sizes summed",
		Ref: refDataFrames, Needs: NeedsTestService, Run: checkMessagesOneFrame},
	{ID: "status-message-encoding", What: "special_status_message's status → grpc-message percent-encoded by the grammar, decoding to the same text",
		Ref: Ref{docProtocol, "Responses",
			"The value portion of Status-Message is conceptually a Unicode string description of the error, physically encoded as UTF-8 followed by percent-encoding."},
		Needs: NeedsTestService, Run: checkStatusMessageEncoding},
	{ID: "status-echo", What: "UnaryCall and FullDuplexCall asking for UNKNOWN \"test status message\" → it, in the Trailers",
		Ref: Ref{docProtocol, "Errors",
			"When an application or runtime error occurs during an RPC a Status and Status-Message are delivered in Trailers."},
		Needs: NeedsTestService, Run: checkStatusEcho},
	{ID: "deadline", What: "grpc-timeout 500m on a call that sleeps 20 s → RST_STREAM CANCEL or DEADLINE_EXCEEDED at 500 ms",
		Ref: Ref{docProtocol, "Client Cancellation",
			"When the server detects the client's deadline has expired (which implies it hasn't received the client's RST_STREAM yet) the server should locally cancel the RPC and send RST_STREAM with CANCEL error code."},
		Needs: NeedsTestService, Run: checkDeadline},
	{ID: "flow-control", What: "a 1 MiB response through a 16 KiB stream window → never more DATA than the window",
		Ref: Ref{docRFC9113, "5.2.1",
			"A sender MUST respect flow-control limits imposed by a receiver."},
		Needs: NeedsTestService, Run: checkFlowControl},
	{ID: "gzip-request", What: "a gzip-compressed request → served",
		Ref: refCompressedFlag, Needs: NeedsTestService, Run: checkGzipRequest},
	{ID: "gzip-response", What: "response_compressed with grpc-accept-encoding gzip → a gzip response with grpc-encoding",
		Ref: refCompressedFlag, Needs: NeedsTestService, Run: checkGzipResponse},
	{ID: "compress-not-accepted", What: "response_compressed with grpc-accept-encoding identity → an uncompressed response",
		Ref: Ref{docCompression, "Compression Method Asymmetry Between Peers",
			"For every message a server is requested to compress using an algorithm it knows the client doesn't support (as indicated by the last grpc-accept-encoding header received from the client), it SHALL send the message uncompressed."},
		Needs: NeedsTestService, Run: checkCompressNotAccepted},
	{ID: "metadata-echo", What: "x-grpc-test-echo-initial and -trailing-bin → echoed in the Response-Headers and the Trailers",
		Ref: Ref{docProtocol, "Responses",
			"Response-Headers → HTTP-Status [Message-Encoding] [Message-Accept-Encoding] Content-Type *Custom-Metadata"},
		Needs: NeedsTestService, Run: checkMetadataEcho},
	{ID: "bin-emit-unpadded", What: "x-grpc-test-echo-trailing-bin: qw== → qw in the Trailers",
		Ref: refBinary, Needs: NeedsTestService, Run: checkBinEmitUnpadded},
	{ID: "max-receive-size", What: "a request of 4 MiB + 1 byte → RESOURCE_EXHAUSTED",
		Ref: refSizeLimit, Needs: NeedsTestService, Run: checkMaxReceiveSize},
}

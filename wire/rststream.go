package wire

import "golang.org/x/net/http2"

// RST_STREAM error code to gRPC code, PROTOCOL-HTTP2.md "Errors":
//
// "RPC runtime implementations should interpret RST_STREAM as immediate
// full-closure of the stream and should propagate an error up to the calling
// application layer. The following mapping from RST_STREAM error codes to
// GRPC error codes is applied."
//
//	HTTP2 Code            | GRPC Code
//	----------------------|-----------
//	NO_ERROR(0)           | INTERNAL - An explicit GRPC status of OK should have been sent but this might be used to aggressively lameduck in some scenarios.
//	PROTOCOL_ERROR(1)     | INTERNAL
//	INTERNAL_ERROR(2)     | INTERNAL
//	FLOW_CONTROL_ERROR(3) | INTERNAL
//	SETTINGS_TIMEOUT(4)   | INTERNAL
//	STREAM_CLOSED         | No mapping as there is no open stream to propagate to. Implementations should log.
//	FRAME_SIZE_ERROR      | INTERNAL
//	REFUSED_STREAM        | UNAVAILABLE - Indicates that no processing occurred and the request can be retried, possibly elsewhere.
//	CANCEL(8)             | Mapped to call cancellation when sent by a client. Mapped to CANCELLED when sent by a server.
//	COMPRESSION_ERROR     | INTERNAL
//	CONNECT_ERROR         | INTERNAL
//	ENHANCE_YOUR_CALM     | RESOURCE_EXHAUSTED ...with additional error detail provided by runtime to indicate that the exhausted resource is bandwidth.
//	INADEQUATE_SECURITY   | PERMISSION_DENIED … with additional detail indicating that permission was denied as protocol is not secure enough for call.
//
// Rows the table does not give a code: STREAM_CLOSED, which should never
// reach a call, maps to INTERNAL as in grpc-go, so a caller that gets here
// anyway still fails the call rather than hang; HTTP_1_1_REQUIRED (RFC 9113
// §7, added after the table) and codes unknown to HTTP/2 map to INTERNAL,
// since RFC 9113 §7 says unknown codes "MAY be treated by an implementation
// as being equivalent to INTERNAL_ERROR". grpc-go differs on one row,
// FLOW_CONTROL_ERROR, which it maps to RESOURCE_EXHAUSTED; this follows the
// spec. CANCEL maps to CANCELLED: on the server, "call cancellation" is the
// same outcome (the handler's context ends with CANCELLED).
var rstStreamToCode = map[http2.ErrCode]Code{
	http2.ErrCodeNo:                 Internal,
	http2.ErrCodeProtocol:           Internal,
	http2.ErrCodeInternal:           Internal,
	http2.ErrCodeFlowControl:        Internal,
	http2.ErrCodeSettingsTimeout:    Internal,
	http2.ErrCodeStreamClosed:       Internal, // "No mapping"
	http2.ErrCodeFrameSize:          Internal,
	http2.ErrCodeRefusedStream:      Unavailable,
	http2.ErrCodeCancel:             Canceled,
	http2.ErrCodeCompression:        Internal,
	http2.ErrCodeConnect:            Internal,
	http2.ErrCodeEnhanceYourCalm:    ResourceExhausted,
	http2.ErrCodeInadequateSecurity: PermissionDenied,
}

// CodeFromRSTStream returns the code of a call whose stream the peer reset
// with code, by the table above. The caller should add the detail the spec
// asks for ("the exhausted resource is bandwidth" for ENHANCE_YOUR_CALM, "the
// protocol is not secure enough" for INADEQUATE_SECURITY), and name the
// HTTP/2 code in the message; StatusOf does both.
func CodeFromRSTStream(code http2.ErrCode) Code {
	if c, ok := rstStreamToCode[code]; ok {
		return c
	}
	return Internal
}

// The reverse direction: the RST_STREAM codes the spec tells an endpoint to
// send.
const (
	// RSTStreamCancel is sent by a client that cancels a call, and by a
	// server whose deadline for the call expired: "Client cancellation is
	// performed by the client sending RST_STREAM with CANCEL error code"
	// and "the server should locally cancel the RPC and send RST_STREAM with
	// CANCEL error code" (PROTOCOL-HTTP2.md, "Client Cancellation").
	RSTStreamCancel = http2.ErrCodeCancel
	// RSTStreamEarlyClose follows Trailers sent or received before the
	// client's END_STREAM: "the server should send RST_STREAM with NO_ERROR
	// error code immediately following that HEADERS frame" and likewise the
	// client (PROTOCOL-HTTP2.md, "Early Server Closure").
	RSTStreamEarlyClose = http2.ErrCodeNo
	// RSTStreamRefused refuses a stream the server will not process, for
	// instance above SETTINGS_MAX_CONCURRENT_STREAMS; the client sees
	// UNAVAILABLE, which "Indicates that no processing occurred and the
	// request can be retried".
	RSTStreamRefused = http2.ErrCodeRefusedStream
)

// rstStreamDetail is the extra detail the spec asks for on two rows.
func rstStreamDetail(code http2.ErrCode) string {
	switch code {
	case http2.ErrCodeEnhanceYourCalm:
		return "; the exhausted resource is bandwidth"
	case http2.ErrCodeInadequateSecurity:
		return "; permission denied because the protocol is not secure enough for the call"
	case http2.ErrCodeRefusedStream:
		return "; no processing occurred and the call can be retried"
	}
	return ""
}

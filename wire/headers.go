package wire

// Header names of gRPC over HTTP/2, as PROTOCOL-HTTP2.md spells them in the
// Request-Headers, Response-Headers and Trailers productions. HTTP/2 header
// names are lower case on the wire (RFC 9113 §8.2.1), so these are too.
const (
	// HeaderMethod is the request's HTTP method: "Method → ":method POST"".
	HeaderMethod = ":method"
	// HeaderScheme is "Scheme → ":scheme " ("http" / "https")".
	HeaderScheme = ":scheme"
	// HeaderPath is "Path → ":path" "/" Service-Name "/" {method name}".
	HeaderPath = ":path"
	// HeaderAuthority is "Authority → ":authority" {virtual host name of
	// authority}".
	HeaderAuthority = ":authority"
	// HeaderStatus is the response's HTTP status: "HTTP-Status → ":status
	// 200"".
	HeaderStatus = ":status"
	// HeaderContentType is "Content-Type → "content-type" "application/grpc"
	// [("+proto" / "+json" / {custom})]".
	HeaderContentType = "content-type"
	// HeaderTE is "TE → "te" "trailers" # Used to detect incompatible
	// proxies".
	HeaderTE = "te"
	// HeaderUserAgent is "User-Agent → "user-agent" {structured user-agent
	// string}".
	HeaderUserAgent = "user-agent"
	// HeaderTimeout is "Timeout → "grpc-timeout" TimeoutValue TimeoutUnit".
	HeaderTimeout = "grpc-timeout"
	// HeaderEncoding is "Message-Encoding → "grpc-encoding" Content-Coding".
	HeaderEncoding = "grpc-encoding"
	// HeaderAcceptEncoding is "Message-Accept-Encoding →
	// "grpc-accept-encoding" Content-Coding *("," Content-Coding)".
	HeaderAcceptEncoding = "grpc-accept-encoding"
	// HeaderMessageType is "Message-Type → "grpc-message-type" {type name
	// for message schema}".
	HeaderMessageType = "grpc-message-type"
	// HeaderGRPCStatus is "Status → "grpc-status" 1*DIGIT".
	HeaderGRPCStatus = "grpc-status"
	// HeaderGRPCMessage is "Status-Message → "grpc-message"
	// Percent-Encoded".
	HeaderGRPCMessage = "grpc-message"
	// HeaderStatusDetails carries a google.rpc.Status in binary metadata;
	// not in PROTOCOL-HTTP2.md, but sent by every major implementation.
	HeaderStatusDetails = "grpc-status-details-bin"
	// HeaderPreviousRPCAttempts tells a server how many attempts of this
	// call came before (gRFC A6, retries).
	HeaderPreviousRPCAttempts = "grpc-previous-rpc-attempts"
	// HeaderRetryPushbackMs is a server's hint, in trailers, of how long a
	// client should wait before retrying (gRFC A6, retries).
	HeaderRetryPushbackMs = "grpc-retry-pushback-ms"
	// HeaderHost is HTTP/1's Host, which an HTTP/2 request should carry as
	// :authority instead (RFC 9113 §8.3.1).
	HeaderHost = "host"
)

// Values fixed by the spec.
const (
	// MethodPOST is the only :method of a gRPC request.
	MethodPOST = "POST"
	// SchemeHTTP is the :scheme of a cleartext request.
	SchemeHTTP = "http"
	// SchemeHTTPS is the :scheme of a request over TLS.
	SchemeHTTPS = "https"
	// TETrailers is the only value of te: "TE → "te" "trailers"". A
	// request without it may have crossed a proxy that drops trailers.
	TETrailers = "trailers"
	// HTTPStatusOK is the :status of every gRPC response, errors included:
	// "HTTP-Status → ":status 200"".
	HTTPStatusOK = "200"
	// ReservedPrefix starts header names reserved for gRPC itself: "Header
	// names starting with "grpc-" but not listed here are reserved for
	// future GRPC use and should not be used by applications as
	// Custom-Metadata."
	ReservedPrefix = "grpc-"
)

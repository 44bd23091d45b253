package wire

// HTTP status to gRPC code, doc/http-grpc-status-mapping.md:
//
// "This table is to be used _only_ for clients that received a response that
// did not include grpc-status. If grpc-status was provided, it _must_ be
// used. Servers _must not_ use this table to determine an HTTP status code to
// use; the mappings are neither symmetric nor 1-to-1."
//
// PROTOCOL-HTTP2.md: "Implementations must synthesize a Status &
// Status-Message to propagate to the application layer when this occurs."
//
//	| HTTP Status Code                    | gRPC Status Code   |
//	|-------------------------------------|--------------------|
//	| 400 Bad Request                     | INTERNAL           |
//	| 401 Unauthorized                    | UNAUTHENTICATED    |
//	| 403 Forbidden                       | PERMISSION_DENIED  |
//	| 404 Not Found                       | UNIMPLEMENTED      |
//	| 429 Too Many Requests               | UNAVAILABLE        |
//	| 431 Request Header Fields Too Large | INTERNAL           |
//	| 502 Bad Gateway                     | UNAVAILABLE        |
//	| 503 Service Unavailable             | UNAVAILABLE        |
//	| 504 Gateway Timeout                 | UNAVAILABLE        |
//	| _All other codes_                   | UNKNOWN            |
//
// "200 is UNKNOWN because there should be a grpc-status in case of truly OK
// response." grpc-go's table lacks the 431 row (it answers UNKNOWN there);
// this one follows the document.
var httpStatusToCode = map[int]Code{
	400: Internal,         // Bad Request
	401: Unauthenticated,  // Unauthorized
	403: PermissionDenied, // Forbidden
	404: Unimplemented,    // Not Found
	429: Unavailable,      // Too Many Requests
	431: Internal,         // Request Header Fields Too Large
	502: Unavailable,      // Bad Gateway
	503: Unavailable,      // Service Unavailable
	504: Unavailable,      // Gateway Timeout
}

// CodeFromHTTPStatus returns the code a client reports for a response that
// ended without grpc-status, from its HTTP :status, by the table above: 400
// and 431 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404
// UNIMPLEMENTED, 429, 502, 503 and 504 UNAVAILABLE, anything else (200
// included) UNKNOWN. The caller should say in the message that the status was
// synthesized from HTTP status N, since the peer (often a proxy) gave none.
// 1xx responses are not final and must be skipped before asking (RFC 9113
// §8.1).
func CodeFromHTTPStatus(status int) Code {
	if c, ok := httpStatusToCode[status]; ok {
		return c
	}
	return Unknown
}

package wire

import "strings"

// Content-Type, PROTOCOL-HTTP2.md "Requests":
//
//	Content-Type → "content-type" "application/grpc" [("+proto" / "+json" / {custom})]
//
// "If Content-Type does not begin with "application/grpc", gRPC servers
// SHOULD respond with HTTP status of 415 (Unsupported Media Type). This will
// prevent other HTTP/2 clients from interpreting a gRPC error response, which
// uses status 200 (OK), as successful."

// ContentType is the media type of gRPC without a subtype; Appendix A makes
// "application/grpc+proto" the one for protobuf, and both mean protobuf.
const ContentType = "application/grpc"

// ContentTypeProto is the content-type of protobuf messages, from Appendix A
// of PROTOCOL-HTTP2.md: "Content-Type → "application/grpc+proto"".
const ContentTypeProto = ContentType + "+proto"

// ContentTypeFor returns the content-type for a codec subtype: "" gives
// "application/grpc", "json" gives "application/grpc+json".
func ContentTypeFor(subtype string) string {
	if subtype == "" {
		return ContentType
	}
	return ContentType + "+" + subtype
}

// ParseContentType reports whether v is a gRPC content-type and returns its
// subtype, lower-cased: "application/grpc" gives ("", true),
// "application/grpc+proto" gives ("proto", true). Media type parameters are
// allowed and ignored ("application/grpc;charset=utf-8",
// "application/grpc+proto; x=y"), and so is "+" with nothing after it, as in
// grpc-go. Anything else, such as "application/json",
// "application/grpc-web", "application/grpcx" or "", gives ("", false),
// which a server answers with HTTP 415.
//
// Case: RFC 9110 §8.3.1 says "The type and subtype tokens are
// case-insensitive", so "Application/GRPC+Proto" is accepted as ("proto",
// true). grpc-go compares case-sensitively, but the spec is not silent here,
// so the RFC wins over the tie-breaker. Whitespace around the value and
// before ";" is the optional whitespace HTTP allows there.
func ParseContentType(v string) (subtype string, ok bool) {
	v = strings.Trim(v, " \t")
	if len(v) < len(ContentType) || !strings.EqualFold(v[:len(ContentType)], ContentType) {
		return "", false
	}
	rest := v[len(ContentType):]
	if rest == "" {
		return "", true
	}
	if rest[0] == '+' {
		sub, _, _ := strings.Cut(rest[1:], ";")
		sub = strings.TrimRight(sub, " \t")
		for i := 0; i < len(sub); i++ {
			if !isTokenChar(sub[i]) {
				return "", false
			}
		}
		return strings.ToLower(sub), true
	}
	if strings.HasPrefix(strings.TrimLeft(rest, " \t"), ";") {
		return "", true
	}
	return "", false
}

// isTokenChar reports whether c is a tchar of RFC 9110 §5.6.2, the
// characters a media subtype may contain.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

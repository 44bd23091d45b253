package wire

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Custom-Metadata, PROTOCOL-HTTP2.md "Requests":
//
//	Custom-Metadata → Binary-Header / ASCII-Header
//	Binary-Header → {Header-Name "-bin" } {base64 encoded value}
//	ASCII-Header → Header-Name ASCII-Value
//	Header-Name → 1*( %x30-39 / %x61-7A / "_" / "-" / ".") ; 0-9 a-z _ - .
//	ASCII-Value → 1*( %x20-%x7E ) ; space and printable ASCII
//
// "Custom-Metadata is an arbitrary set of key-value pairs defined by the
// application layer. Header names starting with "grpc-" but not listed here
// are reserved for future GRPC use and should not be used by applications as
// Custom-Metadata."

// Metadata is the Custom-Metadata of a call: request headers, response
// headers or trailers. Keys are lower case, as HTTP/2 requires of header
// names. Values of binary keys (ending in "-bin") hold the decoded bytes as
// strings; base64 exists only on the wire (AppendHeaderFields encodes,
// AddHeaderField decodes). A key may have several values, each sent as its
// own header field, in order.
//
// The methods that add keys lower-case them. Set, Append and AddHeaderField
// write to the map, so they panic on a nil Metadata, like any nil map.
type Metadata map[string][]string

// NewMetadata builds metadata from key, value pairs, lower-casing the keys:
// NewMetadata("ip", "10.0.0.1", "trace-bin", string(id)). Repeated keys
// collect their values in order. It panics when given an odd number of
// strings, because a key without a value is a programming error that should
// fail in the first test rather than send a call with a silent gap.
func NewMetadata(kv ...string) Metadata {
	if len(kv)%2 == 1 {
		panic(fmt.Sprintf("wire: NewMetadata got an odd number of strings (%d); they must be key, value pairs", len(kv)))
	}
	md := make(Metadata, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k := strings.ToLower(kv[i])
		md[k] = append(md[k], kv[i+1])
	}
	return md
}

// Get returns the values of key, whatever the case of key. The slice is the
// one stored in md, not a copy.
func (md Metadata) Get(key string) []string {
	return md[strings.ToLower(key)]
}

// Set replaces the values of key with vals. With no vals it does nothing, as
// in grpc-go; use Delete to remove a key.
func (md Metadata) Set(key string, vals ...string) {
	if len(vals) == 0 {
		return
	}
	md[strings.ToLower(key)] = slices.Clone(vals)
}

// Append adds vals after the values key already has. With no vals it does
// nothing, so that a key is never present with zero values.
func (md Metadata) Append(key string, vals ...string) {
	if len(vals) == 0 {
		return
	}
	k := strings.ToLower(key)
	md[k] = append(md[k], vals...)
}

// Delete removes key and all its values.
func (md Metadata) Delete(key string) {
	delete(md, strings.ToLower(key))
}

// Copy returns a deep copy of md, so that the copy can be changed without
// touching metadata that another goroutine may read.
func (md Metadata) Copy() Metadata {
	c := make(Metadata, len(md))
	for k, v := range md {
		c[k] = slices.Clone(v)
	}
	return c
}

// Len returns the number of keys in md.
func (md Metadata) Len() int {
	return len(md)
}

// String formats md with its keys sorted and its values redacted, as in
// "{authorization: <1 value redacted>, ip: <2 values redacted>}", so that
// logging metadata never leaks credentials. Use Format(false) to see values.
func (md Metadata) String() string {
	return md.Format(true)
}

// Format formats md with its keys sorted. With redact, each key shows only
// how many values it has; without, ASCII values are shown quoted and binary
// values in unpadded base64, as they travel: {ip: ["10.0.0.1"], id-bin: [AAEC]}.
func (md Metadata) Format(redact bool) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(md)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		vals := md[k]
		if redact {
			b.WriteString("<" + strconv.Itoa(len(vals)) + " value")
			if len(vals) != 1 {
				b.WriteByte('s')
			}
			b.WriteString(" redacted>")
			continue
		}
		b.WriteByte('[')
		for j, v := range vals {
			if j > 0 {
				b.WriteString(", ")
			}
			if IsBinaryKey(k) {
				b.WriteString(EncodeBinary([]byte(v)))
			} else {
				b.WriteString(strconv.Quote(v))
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

// ValidateKey checks that key may be sent as Custom-Metadata: one or more of
// 0-9 a-z _ - . (the spec's Header-Name), so not a pseudo-header (":path")
// and not upper case, and not starting with "grpc-", which the spec reserves
// for gRPC itself. The error says which rule failed.
func ValidateKey(key string) error {
	if key == "" {
		return errors.New("wire: metadata key is empty; keys need at least one of 0-9 a-z _ - .")
	}
	if key[0] == ':' {
		return fmt.Errorf("wire: metadata key %q is an HTTP/2 pseudo-header, which only the transport may send", key)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || c == '_' || c == '-' || c == '.' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			return fmt.Errorf("wire: metadata key %q has upper-case letters; HTTP/2 header names are lower case (NewMetadata, Set and Append lower-case keys for you)", key)
		}
		return fmt.Errorf("wire: metadata key %q has byte %q at offset %d; keys may contain only 0-9 a-z _ - .", key, c, i)
	}
	if strings.HasPrefix(key, ReservedPrefix) {
		return fmt.Errorf("wire: metadata key %q starts with %q, which the gRPC spec reserves for gRPC itself; choose another name", key, ReservedPrefix)
	}
	return nil
}

// ValidateValue checks that value may be sent under key. Values of binary
// keys (ending in "-bin") may be any bytes, since they travel in base64. Other
// values must be printable ASCII, %x20-%x7E, the spec's ASCII-Value; the empty
// value is allowed, as grpc-go allows it, although the grammar asks for one
// character. The error points at the first bad byte and suggests a "-bin" key.
func ValidateValue(key, value string) error {
	if IsBinaryKey(key) {
		return nil
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c > 0x7E {
			return fmt.Errorf("wire: metadata value of key %q has byte 0x%02x at offset %d; ASCII values must be printable ASCII (0x20-0x7E), use a key ending in %q for binary data", key, c, i, BinarySuffix)
		}
	}
	return nil
}

// reservedHeaders are the header names that are never Custom-Metadata,
// beside every pseudo-header (":path", ":status", ...). Each line says who
// owns the field. The transport writes and reads them itself from the call's
// state; metadata carrying them would duplicate or contradict that state.
//
// The grpc- names are those PROTOCOL-HTTP2.md lists ("Header names starting
// with "grpc-" but not listed here are reserved for future GRPC use"), plus
// the de-facto grpc-status-details-bin and the two retry headers of gRFC A6.
// grpc-go leaves the retry headers and grpc-status-details-bin out of its
// isReservedHeader because its retry code and status code pass them through
// metadata; here the transport handles them directly. The connection-specific
// fields are those RFC 9113 §8.2.2 forbids in HTTP/2 ("An endpoint MUST NOT
// generate an HTTP/2 message containing connection-specific header fields"),
// with host, which §8.3.1 replaces by :authority.
var reservedHeaders = map[string]string{
	HeaderContentType:         "Call-Definition: content-type, set from the codec",
	HeaderTE:                  "Call-Definition: te trailers, set by the client transport",
	HeaderUserAgent:           "Call-Definition: user-agent, set by the client transport",
	HeaderTimeout:             "Call-Definition: grpc-timeout, set from the call's deadline",
	HeaderEncoding:            "Call-Definition: grpc-encoding, set from the compressor",
	HeaderAcceptEncoding:      "Call-Definition: grpc-accept-encoding, set from the registered compressors",
	HeaderMessageType:         "Call-Definition: grpc-message-type",
	HeaderGRPCStatus:          "Trailers: grpc-status, set from the handler's Status",
	HeaderGRPCMessage:         "Trailers: grpc-message, set from the handler's Status",
	HeaderStatusDetails:       "Trailers: grpc-status-details-bin, set from the handler's Status details",
	HeaderPreviousRPCAttempts: "gRFC A6 retries: set by a client that retries by policy",
	HeaderRetryPushbackMs:     "gRFC A6 retries: a server's pushback, for a client that retries by policy",
	"connection":              "RFC 9113 §8.2.2: connection-specific, forbidden in HTTP/2",
	"keep-alive":              "RFC 9113 §8.2.2: connection-specific, forbidden in HTTP/2",
	"proxy-connection":        "RFC 9113 §8.2.2: connection-specific, forbidden in HTTP/2",
	"transfer-encoding":       "RFC 9113 §8.2.2: connection-specific, forbidden in HTTP/2",
	"upgrade":                 "RFC 9113 §8.2.2: connection-specific, forbidden in HTTP/2",
	HeaderHost:                "RFC 9113 §8.3.1: replaced by :authority",
}

// IsReservedHeader reports whether name belongs to the protocol rather than
// to the application: any pseudo-header (":path", ":status", ...),
// content-type, te, user-agent, the grpc- fields of the spec (grpc-timeout,
// grpc-encoding, grpc-accept-encoding, grpc-message-type, grpc-status,
// grpc-message), grpc-status-details-bin, the retry headers
// grpc-previous-rpc-attempts and grpc-retry-pushback-ms, and the
// connection-specific fields connection, keep-alive, proxy-connection,
// transfer-encoding, upgrade and host. grpc-trace-bin and grpc-tags-bin are
// not in the list: they are not protocol fields, and as "grpc-" names they are
// refused by ValidateKey anyway.
//
// Directions: sending (AppendHeaderFields), every reserved name in the
// metadata is skipped, since the transport writes those fields itself.
// Receiving (AddHeaderField), every reserved name is left out of the
// metadata, except user-agent, which a server shows to handlers as incoming
// metadata as grpc-go does; the transport reads the others before.
func IsReservedHeader(name string) bool {
	if name != "" && name[0] == ':' {
		return true
	}
	_, ok := reservedHeaders[name]
	return ok
}

// AppendHeaderFields appends md to dst as HPACK header fields, one field per
// value, keys in sorted order so that traces are stable. Binary values are
// sent in unpadded base64. Reserved names (IsReservedHeader) are skipped, so
// that metadata received and sent back does not fight the transport. An
// invalid key or ASCII value (ValidateKey, ValidateValue) is an error and
// nothing is appended: the caller decides, and a client refuses the call with
// INTERNAL rather than send a header a peer may reset the stream over.
func AppendHeaderFields(dst []hpack.HeaderField, md Metadata) ([]hpack.HeaderField, error) {
	if len(md) == 0 {
		return dst, nil
	}
	start := len(dst)
	for _, k := range slices.Sorted(maps.Keys(md)) {
		if IsReservedHeader(k) {
			continue
		}
		if err := ValidateKey(k); err != nil {
			return dst[:start], err
		}
		bin := IsBinaryKey(k)
		for _, v := range md[k] {
			if bin {
				v = EncodeBinary([]byte(v))
			} else if err := ValidateValue(k, v); err != nil {
				return dst[:start], err
			}
			dst = append(dst, hpack.HeaderField{Name: k, Value: v})
		}
	}
	return dst, nil
}

// AddHeaderField adds one received header field to md. The rules follow the
// spec's receiving side:
//
//   - Reserved names (IsReservedHeader) are not added, except user-agent.
//   - Names that ValidateKey refuses, such as unknown "grpc-" names, are not
//     added, and neither are ASCII values outside %x20-%x7E. The spec allows
//     dropping such values ("they may throw the value away or accept the
//     value") and asks that "the application is permitted to echo the value
//     back as metadata"; dropping them keeps that promise, since whatever
//     AddHeaderField keeps, AppendHeaderFields accepts.
//   - A binary value is split on "," ("Implementations must split
//     Binary-Headers on "," before decoding the Base64-encoded values"), and
//     each part, padded or not and trimmed of spaces, is decoded and added
//     as its own value. A part that is not base64 is an error and nothing
//     of the field is added; a server answers it with INTERNAL, as grpc-go
//     does ("malformed binary metadata").
//   - An ASCII value is added as it is, commas included.
func (md Metadata) AddHeaderField(name, value string) error {
	if name != HeaderUserAgent && (IsReservedHeader(name) || ValidateKey(name) != nil) {
		return nil
	}
	if !IsBinaryKey(name) {
		if ValidateValue(name, value) != nil {
			return nil
		}
		md[name] = append(md[name], value)
		return nil
	}
	if !strings.Contains(value, ",") {
		b, err := DecodeBinary(strings.Trim(value, " \t"))
		if err != nil {
			return fmt.Errorf("wire: header %q: %w", name, err)
		}
		md[name] = append(md[name], string(b))
		return nil
	}
	parts := strings.Split(value, ",")
	vals := make([]string, 0, len(parts))
	for _, p := range parts {
		b, err := DecodeBinary(strings.Trim(p, " \t"))
		if err != nil {
			return fmt.Errorf("wire: header %q: %w", name, err)
		}
		vals = append(vals, string(b))
	}
	md[name] = append(md[name], vals...)
	return nil
}

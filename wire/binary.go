package wire

import (
	"encoding/base64"
	"fmt"
)

// Binary-Header values, PROTOCOL-HTTP2.md "Requests":
//
//	Binary-Header → {Header-Name "-bin" } {base64 encoded value}
//
// "Note that HTTP2 does not allow arbitrary octet sequences for header values
// so binary header values must be encoded using Base64 as per
// https://tools.ietf.org/html/rfc4648#section-4. Implementations MUST accept
// padded and un-padded values and should emit un-padded values."

// BinarySuffix ends the name of every binary metadata key: "Applications
// define binary headers by having their names end with "-bin"."
const BinarySuffix = "-bin"

// IsBinaryKey reports whether key names a binary header, whose values are
// arbitrary bytes sent in base64.
func IsBinaryKey(key string) bool {
	return len(key) >= len(BinarySuffix) && key[len(key)-len(BinarySuffix):] == BinarySuffix
}

// EncodeBinary returns b in standard base64 without padding, the form the
// spec says implementations "should emit".
func EncodeBinary(b []byte) string {
	return base64.RawStdEncoding.EncodeToString(b)
}

// DecodeBinary decodes a binary header value, padded or not, as the spec
// says implementations "MUST accept". It decodes exactly one value; a header
// that joins several with commas must be split first (AddHeaderField does).
// The error names RFC 4648 §4, the alphabet that is expected, since the
// usual mistake is a peer sending URL-safe base64 or hex.
func DecodeBinary(s string) ([]byte, error) {
	enc := base64.RawStdEncoding
	if len(s)%4 == 0 && len(s) > 0 && s[len(s)-1] == '=' {
		enc = base64.StdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("wire: binary metadata value %q is not standard base64 (RFC 4648 §4, padded or not): %w", truncateForError(s), err)
	}
	return b, nil
}

// truncateForError shortens a value quoted in an error message, so that a
// huge header does not make a huge log line.
func truncateForError(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

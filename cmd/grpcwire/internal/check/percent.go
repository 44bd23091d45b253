package check

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The grammar of grpc-message, PROTOCOL-HTTP2.md §Responses:
//
//	Status-Message → "grpc-message" Percent-Encoded
//	Percent-Encoded → 1*(Percent-Byte-Unencoded / Percent-Byte-Encoded)
//	Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %
//	Percent-Byte-Encoded → "%" 2HEXDIGIT ; 0-9 A-F

// unencoded reports whether b may appear as itself in Percent-Encoded.
func unencoded(b byte) bool {
	return b >= 0x20 && b <= 0x7e && b != '%'
}

// isHex reports whether b is a hex digit. The grammar's comment says "0-9
// A-F"; ABNF's HEXDIG is case-insensitive, so lower case is accepted too.
func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'F' || b >= 'a' && b <= 'f'
}

func unhex(b byte) byte {
	switch {
	case b >= '0' && b <= '9':
		return b - '0'
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10
	}
	return b - 'A' + 10
}

// percentDecode decodes a grpc-message value strictly: every byte outside
// Percent-Byte-Unencoded is an error, as is a broken escape or a result that
// is not UTF-8 ("physically encoded as UTF-8 followed by
// percent-encoding").
func percentDecode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", fmt.Errorf("byte %d: %q is not a Percent-Byte-Encoded (\"%%\" 2HEXDIGIT)", i, clip(s[i:], 3))
			}
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case unencoded(c):
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("byte %d is %#02x, outside Percent-Byte-Unencoded (%%x20-%%x24 / %%x26-%%x7E)", i, c)
		}
	}
	out := b.String()
	if !utf8.ValidString(out) {
		return "", fmt.Errorf("the decoded message is not UTF-8")
	}
	return out, nil
}

// percentDecodeLenient decodes as a client must: "When decoding invalid
// values, implementations MUST NOT error or throw away the message"; broken
// escapes are kept as they are.
func percentDecodeLenient(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package wire

import "strings"

// grpc-message percent-encoding, PROTOCOL-HTTP2.md "Responses":
//
//	Status-Message → "grpc-message" Percent-Encoded
//	Percent-Encoded → 1*(Percent-Byte-Unencoded / Percent-Byte-Encoded)
//	Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %
//	Percent-Byte-Encoded → "%" 2HEXDIGIT ; 0-9 A-F
//
// "The value portion of Status-Message is conceptually a Unicode string
// description of the error, physically encoded as UTF-8 followed by
// percent-encoding."

const upperHex = "0123456789ABCDEF"

// messageByteUnencoded reports whether b may appear in grpc-message as is:
// %x20-%x24 / %x26-%x7E, that is printable ASCII except '%'.
func messageByteUnencoded(b byte) bool {
	return b >= 0x20 && b <= 0x7E && b != '%'
}

// EncodeMessage percent-encodes a status message for the grpc-message header
// field. Every byte outside %x20-%x7E, and '%' itself, becomes "%XX" with
// upper-case hex, as the spec's Percent-Byte-Encoded production says. The
// bytes of a UTF-8 sequence are encoded one by one; invalid UTF-8 is encoded
// the same way, byte for byte, rather than replaced, so that DecodeMessage
// gives back exactly the string that was encoded.
func EncodeMessage(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !messageByteUnencoded(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if messageByteUnencoded(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xF])
	}
	return b.String()
}

// DecodeMessage decodes a grpc-message value. It never fails, because the
// spec forbids it: "When decoding invalid values, implementations MUST NOT
// error or throw away the message. [...] Alternatively, the implementation
// can decode valid portions while leaving broken %-encodings as-is". That is
// what it does: "%41" becomes "A", while "%", "%4", "%zz" stay as they are.
// Lower-case hex digits are accepted too, since RFC 3986 §2.1 allows them.
// The result is not checked for UTF-8 validity: "%E2%98" decodes to the two
// bytes of a truncated sequence, exactly what the peer sent.
func DecodeMessage(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unhex returns the value of one hexadecimal digit of either case.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

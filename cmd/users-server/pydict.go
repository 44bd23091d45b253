package main

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"grpcwire/wire"
)

// formatMetadata prints request metadata the way the seed's Python server
// does with print(dict(context.invocation_metadata())):
//
//	{'user-agent': 'grpc-python/1.46.3 grpc-c/24.0.0 (linux; chttp2)', 'ip': '127.0.0.1'}
//
// A Python dict keeps one value per key, the last one given, and prints its
// keys in insertion order. invocation_metadata lists user-agent first, as
// every gRPC client sends it among the Call-Definition fields before any
// Custom-Metadata (PROTOCOL-HTTP2.md); wire.Metadata keeps no order between
// keys, so user-agent comes first and the others follow sorted by name.
// Binary (-bin) values, which Python hands over as bytes, print as b'...'.
func formatMetadata(md wire.Metadata) string {
	keys := make([]string, 0, len(md))
	for k, vs := range md {
		if len(vs) > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == wire.HeaderUserAgent:
			return -1
		case b == wire.HeaderUserAgent:
			return 1
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		v := md[k][len(md[k])-1]
		b.WriteString(pyStr(k))
		b.WriteString(": ")
		if wire.IsBinaryKey(k) {
			b.WriteString(pyBytes(v))
		} else {
			b.WriteString(pyStr(v))
		}
	}
	b.WriteByte('}')
	return b.String()
}

// pyQuote picks the quote Python's repr uses: single quotes, unless the text
// holds a single quote and no double quote.
func pyQuote(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

// pyStr returns Python 3's repr of a str: printable characters as they are,
// backslash and the quote escaped, \t \n \r, other control characters as
// \xNN (or \uNNNN, \UNNNNNNNN above 0xff), and invalid UTF-8, which Python
// would never have in a str, as \xNN of each byte.
func pyStr(s string) string {
	q := pyQuote(s)
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\\' || r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x7f && r >= 0x20:
			b.WriteRune(r)
		case r > 0x7f && unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyBytes returns Python 3's repr of bytes: b'...' with printable ASCII as
// it is, backslash and the quote escaped, \t \n \r, and every other byte as
// \xNN.
func pyBytes(s string) string {
	q := pyQuote(s)
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

package check

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseMessages feeds parseMessages arbitrary DATA: it never panics,
// the messages it returns lie within the data in order, and when it
// reports no error they account for every byte.
func FuzzParseMessages(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Add(frame(0, []byte("hello")))
	f.Add(append(frame(1, []byte{1, 2, 3}), frame(0, nil)...))
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{2, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := parseMessages(data)
		var rebuilt []byte
		for _, m := range msgs {
			if m.Flag > 1 {
				t.Fatalf("flag %d accepted", m.Flag)
			}
			rebuilt = append(rebuilt, frame(m.Flag, m.Message)...)
		}
		if !bytes.HasPrefix(data, rebuilt) {
			t.Fatalf("messages %v are not the start of % x", msgs, data)
		}
		if err == nil && !bytes.Equal(rebuilt, data) {
			t.Fatalf("no error, but the messages cover %d of %d bytes", len(rebuilt), len(data))
		}
		if err != nil && bytes.Equal(rebuilt, data) && len(data) > 0 {
			t.Fatalf("error %v, but the messages cover every byte", err)
		}
	})
}

// percentEncode is the encoding PROTOCOL-HTTP2.md describes, written here
// independently of package wire to check percentDecode against.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if unencoded(s[i]) {
			b.WriteByte(s[i])
		} else {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
	}
	return b.String()
}

// FuzzPercentDecode: the strict decoder never panics; what it accepts the
// lenient one decodes the same way; every UTF-8 string survives encoding
// and strict decoding; and the strict decoder accepts only the grammar's
// bytes.
func FuzzPercentDecode(f *testing.F) {
	f.Add("")
	f.Add("test status message")
	f.Add(percentEncode(specialStatusMessage))
	f.Add("%")
	f.Add("%4")
	f.Add("%zz")
	f.Add("100%25")
	f.Add("%e2%98%ba")
	f.Add("\x7f")
	f.Add("%FF")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := percentDecode(s)
		lenient := percentDecodeLenient(s)
		if err == nil {
			if got != lenient {
				t.Fatalf("strict %q, lenient %q", got, lenient)
			}
			for i := 0; i < len(s); i++ {
				if s[i] != '%' && !unencoded(s[i]) {
					t.Fatalf("%q accepted with byte %#x", s, s[i])
				}
			}
		}
		if utf8.ValidString(s) {
			enc := percentEncode(s)
			back, err := percentDecode(enc)
			if err != nil || back != s {
				t.Fatalf("%q encodes to %q, which decodes to %q, %v", s, enc, back, err)
			}
		}
	})
}

// FuzzParseStatus: grpc-status parses only as 1*DIGIT without leading
// zeros, and what parses prints back the same.
func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{"0", "12", "012", "", "-1", "4294967295", "4294967296", " 1", "1a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := parseStatus(s)
		if !ok {
			return
		}
		if fmt.Sprint(uint32(c)) != s {
			t.Fatalf("%q parsed as %d", s, c)
		}
	})
}

// TestFrameHelper: frame writes the prefix the grammar gives.
func TestFrameHelper(t *testing.T) {
	b := frame(1, []byte("abc"))
	if b[0] != 1 || binary.BigEndian.Uint32(b[1:5]) != 3 || string(b[5:]) != "abc" {
		t.Fatalf("frame = % x", b)
	}
}

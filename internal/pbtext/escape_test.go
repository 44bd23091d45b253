package pbtext

import (
	"fmt"
	"testing"
)

// TestAppendQuotedEveryByte walks all 256 byte values against CEscape's
// rules with as_utf8=False: six named escapes, printable ASCII as is, the
// rest as three octal digits.
func TestAppendQuotedEveryByte(t *testing.T) {
	named := map[byte]string{'\t': `\t`, '\n': `\n`, '\r': `\r`, '"': `\"`, '\'': `\'`, '\\': `\\`}
	for c := range 256 {
		b := byte(c)
		want, ok := named[b]
		switch {
		case ok:
		case b >= 0x20 && b < 0x7f:
			want = string([]byte{b})
		default:
			want = fmt.Sprintf(`\%03o`, b)
		}
		want = `"` + want + `"`
		if got := string(appendQuoted(nil, []byte{b})); got != want {
			t.Errorf("byte %#02x: %s, want %s", b, got, want)
		}
		if got := string(appendQuoted(nil, string([]byte{b}))); got != want {
			t.Errorf("string byte %#02x: %s, want %s", b, got, want)
		}
	}
}

func TestAppendQuoted(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"alexa", `"alexa"`},
		{"é", `"\303\251"`},
		{"tab\there", `"tab\there"`},
		{"\x00\x07\x1b", `"\000\007\033"`},
		{`C:\dir "x" 'y'`, `"C:\\dir \"x\" \'y\'"`},
		{"\xff\xfe", `"\377\376"`},
	} {
		if got := string(appendQuoted(nil, tc.in)); got != tc.want {
			t.Errorf("appendQuoted(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

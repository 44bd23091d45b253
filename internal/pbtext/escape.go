package pbtext

// escapes are the bytes text_format's CEscape writes as a backslash and a
// letter. text_format.py: "\t", "\n", "\r" are optional escapes, "\"" and
// "\\" necessary ones, "'" optional.
var escapes = [256]string{
	'\t': `\t`,
	'\n': `\n`,
	'\r': `\r`,
	'"':  `\"`,
	'\'': `\'`,
	'\\': `\\`,
}

// appendQuoted appends s between double quotes, escaped as Python's
// text_encoding.CEscape(s, as_utf8=False) does: the escapes above, printable
// ASCII (0x20 to 0x7e) as is, and every other byte, UTF-8 included, as a
// backslash and three octal digits.
func appendQuoted[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	for i := range len(s) {
		c := s[i]
		switch {
		case escapes[c] != "":
			dst = append(dst, escapes[c]...)
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

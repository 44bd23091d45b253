package wire

import "testing"

func TestEncodeMessage(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", ""},
		{"no such user", "no such user"},
		{" !\"#$&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", " !\"#$&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"},
		{"100%", "100%25"},
		{"%", "%25"},
		{"a\nb", "a%0Ab"},
		{"\t\r\x00\x1f\x7f", "%09%0D%00%1F%7F"},
		{"☺", "%E2%98%BA"},               // UTF-8 bytes encoded one by one
		{"héllo", "h%C3%A9llo"},          // upper-case hex
		{"\xff\xfe", "%FF%FE"},           // invalid UTF-8 kept byte for byte
		{"\xe2\x98", "%E2%98"},           // truncated UTF-8 kept byte for byte
		{"%E2%98%BA", "%25E2%2598%25BA"}, // an already-encoded string is encoded again
	} {
		if got := EncodeMessage(tc.in); got != tc.want {
			t.Errorf("EncodeMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := DecodeMessage(EncodeMessage(tc.in)); got != tc.in {
			t.Errorf("DecodeMessage(EncodeMessage(%q)) = %q", tc.in, got)
		}
	}
}

// TestDecodeMessage pins the lenient decoding the spec asks for: "decode
// valid portions while leaving broken %-encodings as-is".
func TestDecodeMessage(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"%41", "A"},
		{"%e2%98%ba", "☺"}, // lower-case hex accepted
		{"%E2%98%BA", "☺"},
		{"100%25", "100%"},
		{"%", "%"},             // truncated
		{"%4", "%4"},           // truncated
		{"a%", "a%"},           // truncated at the end
		{"a%4", "a%4"},         // truncated at the end
		{"%zz", "%zz"},         // bad hex
		{"%4z", "%4z"},         // bad second digit
		{"%z4", "%z4"},         // bad first digit
		{"%%41", "%A"},         // the first % is broken, the second is valid
		{"%E2%98", "\xe2\x98"}, // truncated UTF-8 decodes to its bytes
		{"%E2%98%", "\xe2\x98%"},
		{"%20%7E", " ~"},
		{"%00", "\x00"},
		{"% 41", "% 41"},
		{"%+4", "%+4"},
	} {
		if got := DecodeMessage(tc.in); got != tc.want {
			t.Errorf("DecodeMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

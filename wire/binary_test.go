package wire

import (
	"bytes"
	"testing"
)

func TestEncodeBinary(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0}, "AA"},
		{[]byte{0, 1}, "AAE"},
		{[]byte{0, 1, 2}, "AAEC"},
		{[]byte{3, 4}, "AwQ"},
		{[]byte{0xfb, 0xff}, "+/8"}, // standard alphabet, not URL-safe
	} {
		if got := EncodeBinary(tc.in); got != tc.want {
			t.Errorf("EncodeBinary(%x) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDecodeBinary: "Implementations MUST accept padded and un-padded
// values".
func TestDecodeBinary(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"", []byte{}},
		{"AA", []byte{0}},
		{"AA==", []byte{0}},
		{"AAE", []byte{0, 1}},
		{"AAE=", []byte{0, 1}},
		{"AAEC", []byte{0, 1, 2}},
		{"Ag==", []byte{2}},
		{"+/8", []byte{0xfb, 0xff}},
		{"+/8=", []byte{0xfb, 0xff}},
	} {
		got, err := DecodeBinary(tc.in)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("DecodeBinary(%q) = %x, %v; want %x, nil", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"A",        // 6 bits are not a byte
		"AA=",      // padding that does not complete a quantum
		"AA===",    // too much padding
		"=AA",      // padding first
		"-_8",      // URL-safe alphabet
		"AA AA",    // space inside
		"AAEC,AwQ", // joined values must be split first
		"AA==AA==", // padding in the middle
		"not base64!",
	} {
		if got, err := DecodeBinary(in); err == nil {
			t.Errorf("DecodeBinary(%q) = %x, nil; want an error", in, got)
		}
	}
}

func TestIsBinaryKey(t *testing.T) {
	for key, want := range map[string]bool{
		"trace-bin": true, "-bin": true, "bin": false, "x-binary": false, "": false, "a-bi": false,
	} {
		if got := IsBinaryKey(key); got != want {
			t.Errorf("IsBinaryKey(%q) = %v, want %v", key, got, want)
		}
	}
}

package wire

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Seed corpora live in testdata/fuzz/<Target>/ as "go test fuzz v1" files:
// the spec's examples and the inputs where implementations disagree.

// timeoutGrammar reports whether s is "1 to 8 digits, then one of the six
// units", written independently of ParseTimeout.
func timeoutGrammar(s string) bool {
	if len(s) < 2 || len(s) > 9 || !strings.ContainsRune("numSMH", rune(s[len(s)-1])) {
		return false
	}
	for _, c := range []byte(s[:len(s)-1]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func FuzzParseTimeout(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTimeout(s)
		if (err == nil) != timeoutGrammar(s) {
			t.Fatalf("ParseTimeout(%q) = %v, %v; grammar says valid=%v", s, d, err, timeoutGrammar(s))
		}
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseTimeout(%q) = %v, negative", s, d)
		}
		enc := EncodeTimeout(d)
		if !timeoutGrammar(enc) || enc[0] == '0' {
			t.Fatalf("EncodeTimeout(%v) = %q, not a positive TimeoutValue of at most 8 digits", d, enc)
		}
		back, err := ParseTimeout(enc)
		if err != nil {
			t.Fatalf("ParseTimeout(EncodeTimeout(%v) = %q): %v", d, enc, err)
		}
		if back < d {
			t.Fatalf("ParseTimeout(EncodeTimeout(%v) = %q) = %v, shorter: rounding must go up", d, enc, back)
		}
		// Rounding up costs less than one unit of the chosen precision.
		if d > 0 && back-d > unitOf(enc) && back != time.Duration(1<<63-1) {
			t.Fatalf("EncodeTimeout(%v) = %q lost more than one unit", d, enc)
		}
	})
}

// unitOf returns what one unit of an encoded timeout lasts.
func unitOf(enc string) time.Duration {
	for _, u := range timeoutUnits {
		if u.unit == enc[len(enc)-1] {
			return u.d
		}
	}
	return 0
}

func FuzzDecodeMessage(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		_ = DecodeMessage(s) // never panics
		if !strings.Contains(s, "%") && DecodeMessage(s) != s {
			t.Fatalf("DecodeMessage(%q) changed a value without %%", s)
		}
		enc := EncodeMessage(s)
		for i := 0; i < len(enc); i++ {
			c := enc[i]
			if c < 0x20 || c > 0x7E {
				t.Fatalf("EncodeMessage(%q) = %q has byte 0x%02x outside printable ASCII", s, enc, c)
			}
			if c == '%' {
				if i+2 >= len(enc) || !strings.ContainsRune(upperHex, rune(enc[i+1])) || !strings.ContainsRune(upperHex, rune(enc[i+2])) {
					t.Fatalf("EncodeMessage(%q) = %q has a %% not followed by two upper-case hex digits", s, enc)
				}
			}
		}
		if got := DecodeMessage(enc); got != s {
			t.Fatalf("DecodeMessage(EncodeMessage(%q)) = %q", s, got)
		}
	})
}

func FuzzDecodeBinary(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		enc := EncodeBinary(b)
		if strings.Contains(enc, "=") {
			t.Fatalf("EncodeBinary(%x) = %q is padded", b, enc)
		}
		for _, in := range []string{enc, base64.StdEncoding.EncodeToString(b)} {
			got, err := DecodeBinary(in)
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("DecodeBinary(%q) = %x, %v; want %x", in, got, err, b)
			}
		}
		got, err := DecodeBinary(s) // never panics
		if err == nil {
			// What decodes re-encodes to a value that decodes the same.
			again, err := DecodeBinary(EncodeBinary(got))
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("DecodeBinary(%q) = %x does not survive a round trip", s, got)
			}
		}
		md := Metadata{}
		if err := md.AddHeaderField("x-bin", s); err == nil {
			if _, err := AppendHeaderFields(nil, md); err != nil {
				t.Fatalf("received x-bin %q cannot be echoed: %v", s, err)
			}
		}
	})
}

func FuzzParseContentType(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		sub, ok := ParseContentType(s)
		if !ok {
			if sub != "" {
				t.Fatalf("ParseContentType(%q) = %q, false; want no subtype when not ok", s, sub)
			}
			return
		}
		if !strings.HasPrefix(strings.ToLower(strings.Trim(s, " \t")), ContentType) {
			t.Fatalf("ParseContentType(%q) accepted a value not starting with %s", s, ContentType)
		}
		if sub != strings.ToLower(sub) {
			t.Fatalf("ParseContentType(%q) subtype %q is not lower case", s, sub)
		}
		for i := 0; i < len(sub); i++ {
			if !isTokenChar(sub[i]) || sub[i] == ';' {
				t.Fatalf("ParseContentType(%q) subtype %q has a non-token byte", s, sub)
			}
		}
		if got, ok := ParseContentType(ContentTypeFor(sub)); !ok || got != sub {
			t.Fatalf("ParseContentType(ContentTypeFor(%q)) = %q, %v", sub, got, ok)
		}
	})
}

func FuzzParseCode(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c := ParseCode(s)
		// The reference: canonical decimal of a 32-bit value.
		v, err := strconv.ParseUint(s, 10, 32)
		canonical := err == nil && strconv.FormatUint(v, 10) == s
		switch {
		case canonical && c != Code(v):
			t.Fatalf("ParseCode(%q) = %v, want %d", s, c, v)
		case !canonical && c != Unknown:
			t.Fatalf("ParseCode(%q) = %v, want UNKNOWN for a non-canonical value", s, c)
		}
		_ = c.String()
	})
}

func FuzzStatusDetails(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, code uint32, msg, typeURL string, value []byte) {
		// Any bytes: never panics, and what decodes survives a round trip.
		if c, m, d, err := UnmarshalStatusDetails(b); err == nil {
			enc := MarshalStatusDetails(&Status{Code: c, Message: m, Details: d})
			c2, m2, d2, err := UnmarshalStatusDetails(enc)
			if err != nil || c2 != c || m2 != validUTF8(m) || !equalDetails(d2, d, true) {
				t.Fatalf("re-decoding %x: %v %q %v %v; want %v %q %v", b, c2, m2, d2, err, c, m, d)
			}
		}
		// Any status: Marshal then Unmarshal gives it back (strings made
		// valid UTF-8, as proto3 requires).
		st := &Status{Code: Code(code), Message: msg, Details: []*anypb.Any{{TypeUrl: typeURL, Value: value}}}
		c, m, d, err := UnmarshalStatusDetails(MarshalStatusDetails(st))
		if err != nil || c != st.Code || m != validUTF8(msg) || !equalDetails(d, st.Details, true) {
			t.Fatalf("round trip of %+v = %v %q %v %v", st, c, m, d, err)
		}
		// And a client reading it with a matching grpc-status sees it.
		got := StatusFromTrailer(strconv.FormatUint(uint64(code), 10), EncodeMessage(msg), EncodeBinary(MarshalStatusDetails(st)), true)
		if got.Code != st.Code || !got.Remote {
			t.Fatalf("StatusFromTrailer of %+v = %+v", st, got)
		}
	})
}

// equalDetails compares details, with type URLs made valid UTF-8 on the
// want side when fix is set.
func equalDetails(got, want []*anypb.Any, fix bool) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		if fix {
			w = proto.Clone(w).(*anypb.Any)
			w.TypeUrl = validUTF8(w.TypeUrl)
		}
		if !proto.Equal(got[i], w) {
			return false
		}
	}
	return true
}

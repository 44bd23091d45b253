package wire

import "testing"

func TestParseContentType(t *testing.T) {
	for _, tc := range []struct {
		in      string
		subtype string
		ok      bool
	}{
		{"application/grpc", "", true},
		{"application/grpc+proto", "proto", true}, // the spec's example
		{"application/grpc+json", "json", true},
		{"application/grpc+custom.v2", "custom.v2", true},
		{"application/grpc;charset=utf-8", "", true},
		{"application/grpc; charset=utf-8", "", true},
		{"application/grpc ;charset=utf-8", "", true},
		{"application/grpc+proto; x=y", "proto", true},
		{"application/grpc+proto ; x=y", "proto", true},
		{"application/grpc+proto;", "proto", true},
		{"application/grpc+", "", true}, // as grpc-go
		{"application/grpc;", "", true},
		{" application/grpc ", "", true},
		{"Application/GRPC", "", true}, // RFC 9110 §8.3.1: case-insensitive
		{"APPLICATION/GRPC+PROTO", "proto", true},
		{"application/grpc+Proto", "proto", true},
		{"application/json", "", false},
		{"application/grpc-web", "", false},
		{"application/grpc-web+proto", "", false},
		{"application/grpc-web-text", "", false},
		{"application/grpcx", "", false},
		{"application/grp", "", false},
		{"application/grpc +proto", "", false},
		{"application/grpc+pro to", "", false},
		{"application/grpc+pro/to", "", false},
		{"text/plain", "", false},
		{"", "", false},
		{"application/", "", false},
	} {
		sub, ok := ParseContentType(tc.in)
		if sub != tc.subtype || ok != tc.ok {
			t.Errorf("ParseContentType(%q) = %q, %v; want %q, %v", tc.in, sub, ok, tc.subtype, tc.ok)
		}
	}
}

func TestContentTypeFor(t *testing.T) {
	for sub, want := range map[string]string{"": ContentType, "proto": ContentTypeProto, "json": "application/grpc+json"} {
		if got := ContentTypeFor(sub); got != want {
			t.Errorf("ContentTypeFor(%q) = %q, want %q", sub, got, want)
		}
		if got, ok := ParseContentType(ContentTypeFor(sub)); !ok || got != sub {
			t.Errorf("ParseContentType(ContentTypeFor(%q)) = %q, %v", sub, got, ok)
		}
	}
}

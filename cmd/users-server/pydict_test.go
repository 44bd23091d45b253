package main

import (
	"testing"

	"grpcwire/wire"
)

// TestFormatMetadata pins the line CreateUser prints against what the seed's
// Python server prints with print(dict(context.invocation_metadata())).
func TestFormatMetadata(t *testing.T) {
	tests := []struct {
		name string
		md   wire.Metadata
		want string
	}{
		{"the seed's call",
			wire.Metadata{"ip": {"127.0.0.1"}, "user-agent": {"grpc-python/1.46.3 grpc-c/24.0.0 (linux; chttp2)"}},
			"{'user-agent': 'grpc-python/1.46.3 grpc-c/24.0.0 (linux; chttp2)', 'ip': '127.0.0.1'}"},
		{"no metadata", wire.Metadata{}, "{}"},
		{"nil", nil, "{}"},
		{"keys after user-agent sorted", wire.Metadata{"zeta": {"z"}, "alpha": {"a"}, "user-agent": {"ua"}},
			"{'user-agent': 'ua', 'alpha': 'a', 'zeta': 'z'}"},
		{"without user-agent", wire.Metadata{"b": {"2"}, "a": {"1"}}, "{'a': '1', 'b': '2'}"},
		// dict() keeps the last value of a repeated key.
		{"repeated key", wire.Metadata{"k": {"first", "last"}}, "{'k': 'last'}"},
		{"key without values", wire.Metadata{"k": {}}, "{}"},
		// Binary values reach a Python handler as bytes.
		{"binary", wire.Metadata{"id-bin": {"\x00\x01ab'\\\xff"}}, `{'id-bin': b"\x00\x01ab'\\\xff"}`},
		{"binary with both quotes", wire.Metadata{"x-bin": {`'"`}}, `{'x-bin': b'\'"'}`},
		{"single quote in a str", wire.Metadata{"q": {"it's"}}, `{'q': "it's"}`},
		{"both quotes in a str", wire.Metadata{"q": {`it's "x"`}}, `{'q': 'it\'s "x"'}`},
		{"escapes", wire.Metadata{"e": {"a\tb\nc\rd\\e\x01\x7f"}}, `{'e': 'a\tb\nc\rd\\e\x01\x7f'}`},
		{"printable unicode as is", wire.Metadata{"u": {"héllo ☺"}}, `{'u': 'héllo ☺'}`},
		{"non-printable unicode escaped", wire.Metadata{"u": {"a\u0085b\u00a0c\u2028d"}}, `{'u': 'a\x85b\xa0c\u2028d'}`},
		{"invalid UTF-8", wire.Metadata{"u": {"a\xffb"}}, `{'u': 'a\xffb'}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatMetadata(tt.md); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

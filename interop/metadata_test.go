package interop_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"grpcwire/interop"
	"grpcwire/wire"
)

// TestParseAdditionalMetadata walks the flag's forms, grpc-go's parser
// being the reference.
func TestParseAdditionalMetadata(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want wire.Metadata // nil: an error
	}{
		{"", wire.Metadata{}},
		{"k:v", wire.Metadata{"k": {"v"}}},
		{"k1:v1;k2:v2", wire.Metadata{"k1": {"v1"}, "k2": {"v2"}}},
		{"k:v1;k:v2", wire.Metadata{"k": {"v1", "v2"}}},
		{"k:a:b:c", wire.Metadata{"k": {"a:b:c"}}},
		{"Key:v", wire.Metadata{"key": {"v"}}},
		{"k:", wire.Metadata{"k": {""}}},
		{"x-bin:\x00\xff", wire.Metadata{"x-bin": {"\x00\xff"}}},
		{"novalue", nil},
		{"k:v;", wire.Metadata{"k": {"v"}}},
		{"k:v;;", nil},
		{":v", nil},
		{"bad key:v", nil},
		{"grpc-foo:v", nil},
		{"k:\x01", nil},
	} {
		got, err := interop.ParseAdditionalMetadata(tc.in)
		if tc.want == nil {
			if err == nil || !strings.Contains(err.Error(), "--additional_metadata") {
				t.Errorf("ParseAdditionalMetadata(%q) = %v, %v; want an error naming the flag", tc.in, got, err)
			}
			continue
		}
		if err != nil || !maps.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("ParseAdditionalMetadata(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseAdditionalMetadata checks that whatever the parser accepts can
// be sent: every key and value passes the checks the client applies.
func FuzzParseAdditionalMetadata(f *testing.F) {
	for _, s := range []string{"", "k:v", "k1:v1;k2:v2", "k:a:b", "x-bin:\x00", "novalue", ";;", "K:V"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		md, err := interop.ParseAdditionalMetadata(s)
		if err != nil {
			return
		}
		if _, err := wire.AppendHeaderFields(nil, md); err != nil {
			t.Fatalf("ParseAdditionalMetadata(%q) accepted %v, which cannot be sent: %v", s, md, err)
		}
	})
}

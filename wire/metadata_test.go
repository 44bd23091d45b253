package wire

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

func TestNewMetadata(t *testing.T) {
	md := NewMetadata("IP", "10.0.0.1", "ip", "10.0.0.2", "Trace-Bin", "\x00\x01")
	want := Metadata{"ip": {"10.0.0.1", "10.0.0.2"}, "trace-bin": {"\x00\x01"}}
	if !reflect.DeepEqual(md, want) {
		t.Errorf("NewMetadata = %v, want %v", md.Format(false), want.Format(false))
	}
	if got := NewMetadata(); got == nil || got.Len() != 0 {
		t.Errorf("NewMetadata() = %#v, want empty non-nil", got)
	}
}

func TestNewMetadataOddPanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "odd number") {
			t.Errorf("NewMetadata(odd) panic = %v, want one naming the odd count", r)
		}
	}()
	NewMetadata("a", "1", "b")
}

func TestMetadataMethods(t *testing.T) {
	md := Metadata{}
	md.Set("Key", "a", "b")
	if got := md.Get("KEY"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Get after Set = %q", got)
	}
	md.Append("key", "c")
	md.Append("key")
	if got := md.Get("key"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Get after Append = %q", got)
	}
	md.Set("key")
	if got := md.Get("key"); len(got) != 3 {
		t.Errorf("Set with no values changed the key: %q", got)
	}
	md.Append("new")
	if _, ok := md["new"]; ok {
		t.Error("Append with no values created the key")
	}
	vals := []string{"x"}
	md.Set("other", vals...)
	vals[0] = "changed"
	if got := md.Get("other"); got[0] != "x" {
		t.Error("Set kept the caller's slice")
	}
	if md.Len() != 2 {
		t.Errorf("Len = %d, want 2", md.Len())
	}
	c := md.Copy()
	c["key"][0] = "changed"
	c.Append("key", "d")
	c.Delete("other")
	if got := md.Get("key"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("changing a Copy changed the original: %q", got)
	}
	if md.Get("other") == nil {
		t.Error("deleting from a Copy deleted from the original")
	}
	md.Delete("OTHER")
	if md.Get("other") != nil || md.Len() != 1 {
		t.Errorf("Delete left %v", md.Format(false))
	}
}

func TestMetadataStringRedacts(t *testing.T) {
	md := NewMetadata("ip", "10.0.0.1", "authorization", "Bearer secret", "authorization", "x", "id-bin", "\x00\x01\x02")
	s := md.String()
	want := "{authorization: <2 values redacted>, id-bin: <1 value redacted>, ip: <1 value redacted>}"
	if s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	for _, secret := range []string{"secret", "10.0.0.1", "AAEC"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
	if got, want := md.Format(false), `{authorization: ["Bearer secret", "x"], id-bin: [AAEC], ip: ["10.0.0.1"]}`; got != want {
		t.Errorf("Format(false) = %s, want %s", got, want)
	}
	if got := (Metadata(nil)).String(); got != "{}" {
		t.Errorf("nil String() = %q", got)
	}
}

func TestValidateKey(t *testing.T) {
	for _, key := range []string{"a", "x-user-id", "trace-bin", "0-9_a.z", "grpc", "grpcx", "x-grpc-test-echo-initial"} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
	for _, tc := range []struct{ key, mention string }{
		{"", "empty"},
		{":path", "pseudo-header"},
		{"X-User", "upper-case"},
		{"a b", "offset 1"},
		{"a/b", "offset 1"},
		{"é", "offset 0"},
		{"grpc-foo", "reserves"},
		{"grpc-trace-bin", "reserves"},
		{"grpc-status", "reserves"},
	} {
		err := ValidateKey(tc.key)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("ValidateKey(%q) = %v, want an error mentioning %q", tc.key, err, tc.mention)
		}
	}
}

func TestValidateValue(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		ok         bool
	}{
		{"k", "", true},
		{"k", " !~", true},
		{"k", "Bearer y235.wef315yfh138vh31hv93hv8h3v", true},
		{"k", "a\tb", false},
		{"k", "a\nb", false},
		{"k", "\x7f", false},
		{"k", "é", false},
		{"k-bin", "\x00\xff\n", true},
	} {
		err := ValidateValue(tc.key, tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateValue(%q, %q) = %v, want ok=%v", tc.key, tc.value, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "-bin") {
			t.Errorf("ValidateValue error does not suggest a -bin key: %v", err)
		}
	}
}

// TestReservedHeadersTable walks every row of the reserved table and the
// names that must stay custom metadata.
func TestReservedHeadersTable(t *testing.T) {
	want := []string{
		"content-type", "te", "user-agent",
		"grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-message-type",
		"grpc-status", "grpc-message", "grpc-status-details-bin",
		"grpc-previous-rpc-attempts", "grpc-retry-pushback-ms",
		"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host",
	}
	if len(want) != len(reservedHeaders) {
		t.Errorf("reservedHeaders has %d rows, test expects %d", len(reservedHeaders), len(want))
	}
	for _, name := range want {
		if !IsReservedHeader(name) {
			t.Errorf("IsReservedHeader(%q) = false", name)
		}
		if reservedHeaders[name] == "" {
			t.Errorf("reserved header %q has no reason", name)
		}
	}
	for _, name := range []string{":path", ":method", ":scheme", ":authority", ":status", ":protocol"} {
		if !IsReservedHeader(name) {
			t.Errorf("IsReservedHeader(%q) = false", name)
		}
	}
	for _, name := range []string{"", "authorization", "x-user", "trace-bin", "grpc-trace-bin", "grpc-tags-bin", "content-length"} {
		if IsReservedHeader(name) {
			t.Errorf("IsReservedHeader(%q) = true", name)
		}
	}
}

func TestAppendHeaderFields(t *testing.T) {
	md := Metadata{
		"b":           {"2", "3"},
		"a":           {"1"},
		"id-bin":      {"\x00\x01\x02", "\x03\x04"},
		"user-agent":  {"app/1"}, // reserved: skipped
		"grpc-status": {"0"},     // reserved: skipped
		":path":       {"/x/y"},  // reserved: skipped
		"empty-bin":   {""},
	}
	prefix := []hpack.HeaderField{{Name: ":status", Value: "200"}}
	got, err := AppendHeaderFields(prefix, md)
	if err != nil {
		t.Fatal(err)
	}
	want := []hpack.HeaderField{
		{Name: ":status", Value: "200"},
		{Name: "a", Value: "1"},
		{Name: "b", Value: "2"},
		{Name: "b", Value: "3"},
		{Name: "empty-bin", Value: ""},
		{Name: "id-bin", Value: "AAEC"},
		{Name: "id-bin", Value: "AwQ"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AppendHeaderFields =\n%v\nwant\n%v", got, want)
	}
	if got, err := AppendHeaderFields(nil, nil); got != nil || err != nil {
		t.Errorf("AppendHeaderFields(nil, nil) = %v, %v", got, err)
	}
}

func TestAppendHeaderFieldsRejects(t *testing.T) {
	for _, md := range []Metadata{
		{"Upper": {"v"}},
		{"grpc-custom": {"v"}},
		{"a": {"ok"}, "b": {"line\nbreak"}},
		{"sp ace": {"v"}},
		{"": {"v"}},
	} {
		prefix := []hpack.HeaderField{{Name: ":status", Value: "200"}}
		got, err := AppendHeaderFields(prefix, md)
		if err == nil {
			t.Errorf("AppendHeaderFields(%v) succeeded, want an error", md.Format(false))
		}
		if len(got) != 1 {
			t.Errorf("AppendHeaderFields(%v) appended %d fields despite the error", md.Format(false), len(got)-1)
		}
	}
}

func TestAddHeaderField(t *testing.T) {
	type field struct{ name, value string }
	for _, tc := range []struct {
		name    string
		fields  []field
		want    Metadata
		wantErr bool
	}{
		{"ascii kept as is, commas included", []field{{"k", "a, b"}}, Metadata{"k": {"a, b"}}, false},
		{"repeated fields in order", []field{{"k", "1"}, {"k", "2"}}, Metadata{"k": {"1", "2"}}, false},
		{"bin unpadded", []field{{"id-bin", "AAEC"}}, Metadata{"id-bin": {"\x00\x01\x02"}}, false},
		{"bin padded", []field{{"id-bin", "AAE="}}, Metadata{"id-bin": {"\x00\x01"}}, false},
		{"bin comma-joined", []field{{"id-bin", "AAEC,AwQ"}}, Metadata{"id-bin": {"\x00\x01\x02", "\x03\x04"}}, false},
		{"bin comma-joined padded", []field{{"id-bin", "AAE=,Ag=="}}, Metadata{"id-bin": {"\x00\x01", "\x02"}}, false},
		{"bin comma-joined with spaces", []field{{"id-bin", "AAE=, Ag"}}, Metadata{"id-bin": {"\x00\x01", "\x02"}}, false},
		{"bin empty", []field{{"id-bin", ""}}, Metadata{"id-bin": {""}}, false},
		{"bin broken", []field{{"id-bin", "A"}}, Metadata{}, true},
		{"bin one broken part adds nothing", []field{{"id-bin", "AAEC,!!"}}, Metadata{}, true},
		{"user-agent shown to handlers", []field{{"user-agent", "grpc-go/1.85.0"}}, Metadata{"user-agent": {"grpc-go/1.85.0"}}, false},
		{"reserved dropped", []field{
			{":path", "/a/b"}, {":authority", "x"}, {"content-type", "application/grpc"}, {"te", "trailers"},
			{"grpc-timeout", "1S"}, {"grpc-encoding", "gzip"}, {"grpc-status", "0"}, {"grpc-message", "x"},
			{"grpc-status-details-bin", "AAEC"}, {"connection", "close"}, {"host", "x"},
		}, Metadata{}, false},
		{"unknown grpc- names dropped", []field{{"grpc-trace-bin", "AAEC"}, {"grpc-foo", "x"}}, Metadata{}, false},
		{"invalid names dropped", []field{{"a!b", "x"}, {"", "x"}}, Metadata{}, false},
		{"non-printable ASCII dropped", []field{{"k", "tab\there"}, {"k", "é"}, {"k", "ok"}}, Metadata{"k": {"ok"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := Metadata{}
			var err error
			for _, f := range tc.fields {
				if e := md.AddHeaderField(f.name, f.value); e != nil {
					err = e
				}
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("error = %v, want error %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(md, tc.want) {
				t.Errorf("md = %s, want %s", md.Format(false), tc.want.Format(false))
			}
		})
	}
}

// TestMetadataEcho pins the spec's echo rule: whatever AddHeaderField keeps,
// AppendHeaderFields accepts and sends back the same way.
func TestMetadataEcho(t *testing.T) {
	in := []hpack.HeaderField{
		{Name: "a", Value: "1"}, {Name: "a", Value: "x\ty"}, {Name: "b-bin", Value: "AAE=,Ag"},
		{Name: "user-agent", Value: "ua"}, {Name: "grpc-x", Value: "1"}, {Name: "c", Value: "\x80"},
	}
	md := Metadata{}
	for _, f := range in {
		if err := md.AddHeaderField(f.Name, f.Value); err != nil {
			t.Fatal(err)
		}
	}
	out, err := AppendHeaderFields(nil, md)
	if err != nil {
		t.Fatalf("echoing received metadata: %v", err)
	}
	want := []hpack.HeaderField{{Name: "a", Value: "1"}, {Name: "b-bin", Value: "AAE"}, {Name: "b-bin", Value: "Ag"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("echo = %v, want %v", out, want)
	}
}

package pbtext_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"grpcwire/internal/pbtext"
	pb "grpcwire/internal/pbtext/internal/pbtexttest"
	"grpcwire/userspb"
)

// The expected strings below are what Python's protobuf prints for the same
// messages: text_format.MessageToString(m), equal to str(m), from
// python3-protobuf 4.21 with the pure-Python and the C++ implementation,
// run on Python modules protoc generated from the same .proto files.
func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    proto.Message
		want string
	}{
		{
			name: "seed tutorial's GetUsersResult",
			m:    &userspb.GetUsersResult{User: &userspb.User{Username: "alexa", UserId: 1}},
			want: "user {\n  username: \"alexa\"\n  user_id: 1\n}\n",
		},
		{name: "empty message", m: &pb.All{}, want: ""},
		{name: "nil message", m: nil, want: ""},
		{name: "typed nil message", m: (*pb.All)(nil), want: ""},
		{
			name: "every scalar kind, in field-number order",
			m: &pb.All{
				FDouble: 2.5, FFloat: 0.1, FInt32: -42, FInt64: -9223372036854775808, FUint32: 4294967295,
				FUint64: 18446744073709551615, FSint32: -2147483648, FSint64: 9223372036854775807,
				FFixed32: 7, FFixed64: 8, FSfixed32: -9, FSfixed64: -10, FBool: true,
				FString: "hi", FBytes: []byte{0, 1}, FEnum: pb.Color_GREEN,
			},
			want: `f_double: 2.5
f_float: 0.1
f_int32: -42
f_int64: -9223372036854775808
f_uint32: 4294967295
f_uint64: 18446744073709551615
f_sint32: -2147483648
f_sint64: 9223372036854775807
f_fixed32: 7
f_fixed64: 8
f_sfixed32: -9
f_sfixed64: -10
f_bool: true
f_string: "hi"
f_bytes: "\000\001"
f_enum: GREEN
`,
		},
		{
			name: "enum numbers without a name",
			m:    &pb.All{FEnum: 7, REnum: []pb.Color{1, 9, 0}},
			want: "f_enum: 7\nr_enum: RED\nr_enum: 9\nr_enum: COLOR_UNSPECIFIED\n",
		},
		{
			name: "escapes in strings and bytes",
			m:    &pb.All{FString: "a\nb\rc\td\"e'f\\g\x00\x01\x1f\x7f end", FBytes: []byte("\x80\xff\"\\ok\x7f")},
			want: `f_string: "a\nb\rc\td\"e\'f\\g\000\001\037\177 end"
f_bytes: "\200\377\"\\ok\177"
`,
		},
		{
			name: "UTF-8 is escaped as octal bytes",
			m:    &pb.All{FString: "héllo ✓ 😀"},
			want: `f_string: "h\303\251llo \342\234\223 \360\237\230\200"` + "\n",
		},
		{
			name: "nested messages indent two spaces per level",
			m:    &pb.All{FInt32: 1, Child: &pb.All{FBool: true, Child: &pb.All{FString: "deep"}}},
			want: `f_int32: 1
child {
  f_bool: true
  child {
    f_string: "deep"
  }
}
`,
		},
		{name: "empty child message", m: &pb.All{Child: &pb.All{}}, want: "child {\n}\n"},
		{
			name: "repeated fields, one line or block per element",
			m: &pb.All{
				RInt32: []int32{1, -2, 3}, RString: []string{"a", "b"},
				RChild: []*pb.All{{FInt32: 1}, {}}, REnum: []pb.Color{pb.Color_RED, pb.Color_GREEN},
				RDouble: []float64{1, 0.5},
			},
			want: `r_int32: 1
r_int32: -2
r_int32: 3
r_string: "a"
r_string: "b"
r_child {
  f_int32: 1
}
r_child {
}
r_enum: RED
r_enum: GREEN
r_double: 1.0
r_double: 0.5
`,
		},
		{
			name: "maps sorted by key",
			m: &pb.All{
				MStringInt32: map[string]int32{"b": 2, "a": 1, "é": 3, "B": 4},
				MInt32String: map[int32]string{10: "ten", -1: "minus one", 2: "two"},
				MBoolChild:   map[bool]*pb.All{true: {FInt32: 1}, false: {FString: "f"}},
				MUint64Enum:  map[uint64]pb.Color{18446744073709551615: pb.Color_RED, 1: pb.Color_GREEN},
				MSint64Bytes: map[int64][]byte{-5: {0}, 3: []byte("x")},
			},
			want: `m_string_int32 {
  key: "B"
  value: 4
}
m_string_int32 {
  key: "a"
  value: 1
}
m_string_int32 {
  key: "b"
  value: 2
}
m_string_int32 {
  key: "\303\251"
  value: 3
}
m_int32_string {
  key: -1
  value: "minus one"
}
m_int32_string {
  key: 2
  value: "two"
}
m_int32_string {
  key: 10
  value: "ten"
}
m_bool_child {
  value {
    f_string: "f"
  }
}
m_bool_child {
  key: true
  value {
    f_int32: 1
  }
}
m_uint64_enum {
  key: 1
  value: GREEN
}
m_uint64_enum {
  key: 18446744073709551615
  value: RED
}
m_sint64_bytes {
  key: -5
  value: "\000"
}
m_sint64_bytes {
  key: 3
  value: "x"
}
`,
		},
		{
			name: "proto3 map entries leave out zero scalars, never a message value",
			m: &pb.All{
				MStringInt32: map[string]int32{"": 0}, MInt32String: map[int32]string{0: ""},
				MBoolChild: map[bool]*pb.All{false: {}}, MUint64Enum: map[uint64]pb.Color{0: 0},
				MSint64Bytes: map[int64][]byte{0: nil},
			},
			want: "m_string_int32 {\n}\nm_int32_string {\n}\nm_bool_child {\n  value {\n  }\n}\nm_uint64_enum {\n}\nm_sint64_bytes {\n}\n",
		},
		{name: "oneof member set to zero", m: &pb.All{Choice: &pb.All_OInt32{}}, want: "o_int32: 0\n"},
		{name: "oneof string", m: &pb.All{Choice: &pb.All_OString{OString: "s"}}, want: "o_string: \"s\"\n"},
		{name: "oneof empty message", m: &pb.All{Choice: &pb.All_OChild{OChild: &pb.All{}}}, want: "o_child {\n}\n"},
		{name: "proto3 optional set to zero", m: &pb.All{OptInt32: proto.Int32(0)}, want: "opt_int32: 0\n"},
		{
			// Python expands an Any whose type is in its default pool; this
			// package never does (see the package doc).
			name: "Any is not expanded",
			m:    &pb.All{Any: &anypb.Any{TypeUrl: "example.com/unknown.Type", Value: []byte{8, 5}}},
			want: "any {\n  type_url: \"example.com/unknown.Type\"\n  value: \"\\010\\005\"\n}\n",
		},
		{
			name: "proto2 presence, groups, a map and extensions",
			m:    legacy(),
			want: `count: 5
name: ""
Item {
  id: 1
}
Entry {
  key: "k1"
}
Entry {
}
labels {
  key: "x"
  value: "y"
}
[grpcwire.pbtexttest.note]: "ext"
[grpcwire.pbtexttest.nested] {
  name: "inner"
}
`,
		},
		{
			name: "proto2 map entries keep zero keys and values",
			m:    &pb.Legacy{Name: proto.String("n"), Labels: map[string]string{"": ""}},
			want: "name: \"n\"\nlabels {\n  key: \"\"\n  value: \"\"\n}\n",
		},
		{name: "unknown fields are skipped", m: withUnknown(), want: "f_int32: 1\n"},
		// Go, like Python's C++ backend, counts -0.0 as set in a proto3
		// field without presence; pure Python prints nothing here.
		{name: "negative zero double", m: &pb.All{FDouble: negZero()}, want: "f_double: -0.0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pbtext.Format(tc.m); got != tc.want {
				t.Errorf("Format =\n%s\nwant\n%s\n(quoted: %q, want %q)", got, tc.want, got, tc.want)
			}
			prefix := []byte("prefix:")
			if got := string(pbtext.Append(prefix, tc.m)); got != "prefix:"+tc.want {
				t.Errorf("Append = %q, want %q", got, "prefix:"+tc.want)
			}
		})
	}
}

// legacy is the proto2 message of the table above.
func legacy() *pb.Legacy {
	m := &pb.Legacy{
		Count:  proto.Int32(5), // the default, but set: proto2 prints it
		Name:   proto.String(""),
		Item:   &pb.Legacy_Item{Id: proto.Int32(1)},
		Entry:  []*pb.Legacy_Entry{{Key: proto.String("k1")}, {}},
		Labels: map[string]string{"x": "y"},
	}
	proto.SetExtension(m, pb.E_Note, "ext")
	proto.SetExtension(m, pb.E_Nested, &pb.Legacy{Name: proto.String("inner")})
	return m
}

// withUnknown is All{f_int32: 1} carrying field 500 as an unknown field.
func withUnknown() *pb.All {
	m := &pb.All{FInt32: 1}
	m.ProtoReflect().SetUnknown([]byte{0xa8, 0x1f, 0x01})
	return m
}

// negZero is -0.0, which a constant expression cannot spell.
func negZero() float64 {
	z := 0.0
	return -z
}

// TestFormatDeterministic formats a message with many map entries many
// times: Go randomizes map order, the output must not vary.
func TestFormatDeterministic(t *testing.T) {
	m := &pb.All{MInt32String: map[int32]string{}, MStringInt32: map[string]int32{}}
	for i := range int32(50) {
		m.MInt32String[i*7-100] = "v"
		m.MStringInt32[string(rune('a'+i%26))+string(rune('A'+i))] = i
	}
	first := pbtext.Format(m)
	for range 20 {
		if got := pbtext.Format(m); got != first {
			t.Fatalf("two Formats of one message differ:\n%s\n---\n%s", first, got)
		}
	}
}

// Package pbtext prints protobuf messages in the text format exactly as
// Python's protobuf prints them, so grpcwire's programs can reproduce the
// output of the seed tutorial's Python client, which shows each result with
// print(result):
//
//	user {
//	  username: "alexa"
//	  user_id: 1
//	}
//
// The reference is google.protobuf.text_format.MessageToString(m) with its
// defaults, which is what str(m) returns in the pure-Python and C++-backed
// Python implementations (checked against python3-protobuf 4.21 with both):
//
//   - fields in field-number order, extensions among them as [full.name];
//   - one "name: value" line per scalar, two spaces of indent per level;
//   - messages as "name {" ... "}" with no colon; a group by its type name;
//   - repeated fields one line (or block) per element;
//   - maps as one "name {" block per entry holding "key: ..." and "value: ...",
//     entries sorted by key; in a proto3 file an entry's zero scalar key or
//     value is left out, as Python does, a message value never is;
//   - strings and bytes double-quoted and escaped as text_format's CEscape
//     does with as_utf8=False: \n \r \t \" \' \\, and every other byte below
//     0x20 or from 0x7f up as three octal digits, so non-ASCII UTF-8 is
//     printed as octal escapes of its bytes ("é" is "\303\251");
//   - enums by name, or by number when the number has no name;
//   - bools as true and false, integers in decimal;
//   - doubles as Python's repr ("1.0", "1e+16", "1e-05", "inf", "nan"), floats
//     as the shortest %g of at least 6 significant digits that reads back as
//     the same float32, then Python's repr of that ("0.1", "1.4013e-45");
//   - unknown fields are not printed; google.protobuf.Any is printed as its
//     two fields, type_url and value, never expanded.
//
// Known differences from Python: Python expands an Any whose type is in its
// default descriptor pool ("[type.googleapis.com/pkg.T] { ... }"), which
// this package does not do; -0.0 in a proto3 field without presence is
// printed (Go, like the C++ backend, counts it as set; pure Python does not);
// and the upb backend of protobuf 4.21 and later implements str(m) in C with
// other float spellings ("1" for 1.0) and unescaped UTF-8, while
// text_format.MessageToString(m) still prints as described here.
package pbtext

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// indentStep is text_format's indent per nesting level: two spaces.
const indentStep = 2

// Format returns m in Python's text format: "" for a message with no field
// set, else one line per field, each ending in a newline. A nil message
// prints as "".
func Format(m proto.Message) string {
	return string(Append(nil, m))
}

// Append appends Format(m) to dst and returns the extended slice, for
// callers that reuse a buffer.
func Append(dst []byte, m proto.Message) []byte {
	if m == nil {
		return dst
	}
	return appendMessage(dst, m.ProtoReflect(), 0)
}

// field is one populated field of a message.
type field struct {
	fd protoreflect.FieldDescriptor
	v  protoreflect.Value
}

// appendMessage appends the fields of m, each line indented by indent spaces.
func appendMessage(dst []byte, m protoreflect.Message, indent int) []byte {
	if !m.IsValid() {
		return dst
	}
	var fields []field
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		fields = append(fields, field{fd, v})
		return true
	})
	// "ListFields ... sorted by field number" is the order text_format uses.
	slices.SortFunc(fields, func(a, b field) int { return cmp.Compare(a.fd.Number(), b.fd.Number()) })
	for _, f := range fields {
		switch {
		case f.fd.IsMap():
			dst = appendMap(dst, f.fd, f.v.Map(), indent)
		case f.fd.IsList():
			l := f.v.List()
			for i := range l.Len() {
				dst = appendField(dst, f.fd, l.Get(i), indent)
			}
		default:
			dst = appendField(dst, f.fd, f.v, indent)
		}
	}
	return dst
}

// appendField appends one "name: value" line, or a "name {" block for a
// message value.
func appendField(dst []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value, indent int) []byte {
	dst = appendIndent(dst, indent)
	dst = appendName(dst, fd)
	if fd.Message() != nil {
		dst = append(dst, " {\n"...)
		dst = appendMessage(dst, v.Message(), indent+indentStep)
		dst = appendIndent(dst, indent)
		return append(dst, "}\n"...)
	}
	dst = append(dst, ": "...)
	dst = appendScalar(dst, fd, v)
	return append(dst, '\n')
}

// appendName appends a field's name as text_format spells it: the field
// name; a group-like field's message type name; an extension's bracketed
// full name, or for a message-set extension its message type's full name.
func appendName(dst []byte, fd protoreflect.FieldDescriptor) []byte {
	switch {
	case fd.IsExtension():
		dst = append(dst, '[')
		if isMessageSetExtension(fd) {
			dst = append(dst, fd.Message().FullName()...)
		} else {
			dst = append(dst, fd.FullName()...)
		}
		return append(dst, ']')
	case isGroupLike(fd):
		return append(dst, fd.Message().Name()...)
	}
	return append(dst, fd.Name()...)
}

// isGroupLike reports whether fd is printed under its message type's name:
// a delimited (group) field named as its type lowercased, whose type is
// declared beside it, as every proto2 group is.
func isGroupLike(fd protoreflect.FieldDescriptor) bool {
	if fd.Kind() != protoreflect.GroupKind {
		return false
	}
	md := fd.Message()
	if string(fd.Name()) != strings.ToLower(string(md.Name())) || md.ParentFile().Path() != fd.ParentFile().Path() {
		return false
	}
	if fd.IsExtension() {
		return md.Parent().FullName() == fd.Parent().FullName()
	}
	return md.Parent().FullName() == fd.ContainingMessage().FullName()
}

// isMessageSetExtension reports whether fd extends a message-set message with
// a singular message, which text_format names by the message's type.
func isMessageSetExtension(fd protoreflect.FieldDescriptor) bool {
	opts, _ := fd.ContainingMessage().Options().(*descriptorpb.MessageOptions)
	return opts.GetMessageSetWireFormat() && fd.Kind() == protoreflect.MessageKind && fd.Cardinality() == protoreflect.Optional
}

// appendMap appends one "name {" block per entry, sorted by key. Python
// prints an entry as a message built from its key and value, so a scalar key
// or value without presence (any map in a proto3 file) is left out when it
// is the zero value.
func appendMap(dst []byte, fd protoreflect.FieldDescriptor, m protoreflect.Map, indent int) []byte {
	keys := make([]protoreflect.MapKey, 0, m.Len())
	m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.SortFunc(keys, compareKeys(fd.MapKey().Kind()))
	kfd, vfd := fd.MapKey(), fd.MapValue()
	for _, k := range keys {
		dst = appendIndent(dst, indent)
		dst = appendName(dst, fd)
		dst = append(dst, " {\n"...)
		if kv := k.Value(); kfd.HasPresence() || !isZero(kfd, kv) {
			dst = appendField(dst, kfd, kv, indent+indentStep)
		}
		if v := m.Get(k); vfd.HasPresence() || !isZero(vfd, v) {
			dst = appendField(dst, vfd, v, indent+indentStep)
		}
		dst = appendIndent(dst, indent)
		dst = append(dst, "}\n"...)
	}
	return dst
}

// compareKeys orders map keys as Python's sorted() does: numbers by value,
// false before true, strings by code point (byte order, for valid UTF-8).
func compareKeys(kind protoreflect.Kind) func(a, b protoreflect.MapKey) int {
	switch kind {
	case protoreflect.BoolKind:
		return func(a, b protoreflect.MapKey) int {
			x, y := a.Bool(), b.Bool()
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case protoreflect.StringKind:
		return func(a, b protoreflect.MapKey) int { return strings.Compare(a.String(), b.String()) }
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return func(a, b protoreflect.MapKey) int { return cmp.Compare(a.Uint(), b.Uint()) }
	}
	return func(a, b protoreflect.MapKey) int { return cmp.Compare(a.Int(), b.Int()) }
}

// isZero reports whether a scalar value is its kind's zero value, which a
// field without presence does not carry. Floats compare by bits, as
// protoreflect's Has does, so -0.0 is not zero.
func isZero(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return false
	case protoreflect.BoolKind:
		return !v.Bool()
	case protoreflect.EnumKind:
		return v.Enum() == 0
	case protoreflect.StringKind:
		return v.String() == ""
	case protoreflect.BytesKind:
		return len(v.Bytes()) == 0
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v.Float() == 0 && !math.Signbit(v.Float())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return v.Uint() == 0
	}
	return v.Int() == 0
}

// appendScalar appends a non-message value as text_format prints it.
func appendScalar(dst []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) []byte {
	switch fd.Kind() {
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return append(dst, ev.Name()...)
		}
		return strconv.AppendInt(dst, int64(v.Enum()), 10)
	case protoreflect.StringKind:
		return appendQuoted(dst, v.String())
	case protoreflect.BytesKind:
		return appendQuoted(dst, v.Bytes())
	case protoreflect.BoolKind:
		return strconv.AppendBool(dst, v.Bool())
	case protoreflect.FloatKind:
		return appendFloat32(dst, float32(v.Float()))
	case protoreflect.DoubleKind:
		return appendDouble(dst, v.Float())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.AppendUint(dst, v.Uint(), 10)
	}
	return strconv.AppendInt(dst, v.Int(), 10)
}

// appendIndent appends n spaces.
func appendIndent(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}

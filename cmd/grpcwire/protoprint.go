package main

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// protoPrinter writes descriptors back as .proto source, which is how
// people read a service: the syntax of the protobuf language guide, with
// the comments of the source when the descriptors carry them (files parsed
// with -proto do; reflection answers usually do not). Names of types in the
// package of the file being printed are written relative to it.
type protoPrinter struct {
	b   strings.Builder
	pkg protoreflect.FullName
}

// indentUnit is one level of indent, as in the style guide's examples.
const indentUnit = "  "

// maxFieldNumber is the largest field number (2^29-1); a reserved or
// extension range reaching it is written "to max".
const maxFieldNumber = 536870911

// describe returns the source of d: a service, method, message, enum, enum
// value, field or extension, after a comment naming its full name and
// file. A method is followed by its request and response messages, which
// are what a call's JSON is written in.
func describe(d protoreflect.Descriptor) string {
	p := &protoPrinter{pkg: d.ParentFile().Package()}
	p.printf("", "// %s %s, in %s\n", kindOf(d), d.FullName(), d.ParentFile().Path())
	switch d := d.(type) {
	case protoreflect.ServiceDescriptor:
		p.service(d, "")
	case protoreflect.MethodDescriptor:
		p.method(d, "")
		for _, m := range []protoreflect.MessageDescriptor{d.Input(), d.Output()} {
			p.b.WriteString("\n")
			p.pkg = m.ParentFile().Package()
			p.printf("", "// message %s, in %s\n", m.FullName(), m.ParentFile().Path())
			p.message(m, "")
			if d.Input() == d.Output() {
				break
			}
		}
	case protoreflect.MessageDescriptor:
		p.message(d, "")
	case protoreflect.EnumDescriptor:
		p.enum(d, "")
	case protoreflect.EnumValueDescriptor:
		p.enumValue(d, "")
	case protoreflect.FieldDescriptor:
		if d.IsExtension() {
			p.printf("", "extend %s {\n", p.typeName(d.ContainingMessage()))
			p.field(d, indentUnit)
			p.printf("", "}\n")
		} else {
			p.field(d, "")
		}
	case protoreflect.OneofDescriptor:
		p.oneof(d, "")
	}
	return p.b.String()
}

func (p *protoPrinter) printf(indent, format string, a ...any) {
	p.b.WriteString(indent)
	fmt.Fprintf(&p.b, format, a...)
}

// comments writes d's leading comments from the file's source info.
func (p *protoPrinter) comments(d protoreflect.Descriptor, indent string) {
	loc := d.ParentFile().SourceLocations().ByDescriptor(d)
	text := strings.TrimSuffix(loc.LeadingComments, "\n")
	if text == "" {
		return
	}
	for line := range strings.SplitSeq(text, "\n") {
		p.printf(indent, "//%s\n", strings.TrimRight(line, " \t"))
	}
}

// typeName is how a field or method refers to a message or enum: relative
// to the package being printed when inside it, else by full name.
func (p *protoPrinter) typeName(d protoreflect.Descriptor) string {
	name := string(d.FullName())
	if p.pkg != "" && strings.HasPrefix(name, string(p.pkg)+".") {
		return name[len(p.pkg)+1:]
	}
	return name
}

func (p *protoPrinter) service(sd protoreflect.ServiceDescriptor, indent string) {
	p.comments(sd, indent)
	p.printf(indent, "service %s {\n", sd.Name())
	if isDeprecated(sd.Options()) {
		p.printf(indent+indentUnit, "option deprecated = true;\n")
	}
	for i := range sd.Methods().Len() {
		p.method(sd.Methods().Get(i), indent+indentUnit)
	}
	p.printf(indent, "}\n")
}

func (p *protoPrinter) method(md protoreflect.MethodDescriptor, indent string) {
	p.comments(md, indent)
	stream := func(on bool) string {
		if on {
			return "stream "
		}
		return ""
	}
	p.printf(indent, "rpc %s(%s%s) returns (%s%s)", md.Name(),
		stream(md.IsStreamingClient()), p.typeName(md.Input()),
		stream(md.IsStreamingServer()), p.typeName(md.Output()))
	if isDeprecated(md.Options()) {
		p.b.WriteString(" {\n")
		p.printf(indent+indentUnit, "option deprecated = true;\n")
		p.printf(indent, "}\n")
		return
	}
	p.b.WriteString(";\n")
}

func (p *protoPrinter) message(md protoreflect.MessageDescriptor, indent string) {
	p.comments(md, indent)
	p.printf(indent, "message %s {\n", md.Name())
	in := indent + indentUnit
	if isDeprecated(md.Options()) {
		p.printf(in, "option deprecated = true;\n")
	}
	fields := md.Fields()
	done := map[protoreflect.FullName]bool{}
	for i := range fields.Len() {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if !done[od.FullName()] {
				done[od.FullName()] = true
				p.oneof(od, in)
			}
			continue
		}
		p.field(fd, in)
	}
	for i := range md.Messages().Len() {
		if nested := md.Messages().Get(i); !nested.IsMapEntry() {
			p.message(nested, in)
		}
	}
	for i := range md.Enums().Len() {
		p.enum(md.Enums().Get(i), in)
	}
	for i := range md.Extensions().Len() {
		xd := md.Extensions().Get(i)
		p.printf(in, "extend %s {\n", p.typeName(xd.ContainingMessage()))
		p.field(xd, in+indentUnit)
		p.printf(in, "}\n")
	}
	if r := md.ExtensionRanges(); r.Len() > 0 {
		p.printf(in, "extensions %s;\n", ranges(r))
	}
	p.reserved(md.ReservedRanges(), md.ReservedNames(), in)
	p.printf(indent, "}\n")
}

func (p *protoPrinter) oneof(od protoreflect.OneofDescriptor, indent string) {
	p.comments(od, indent)
	p.printf(indent, "oneof %s {\n", od.Name())
	for i := range od.Fields().Len() {
		p.field(od.Fields().Get(i), indent+indentUnit)
	}
	p.printf(indent, "}\n")
}

func (p *protoPrinter) field(fd protoreflect.FieldDescriptor, indent string) {
	p.comments(fd, indent)
	p.printf(indent, "%s%s %s = %d%s;\n", label(fd), p.fieldType(fd), fd.Name(), fd.Number(), fieldOptions(fd))
}

// label is a field's label as the file's syntax writes it.
func label(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return ""
	case fd.Cardinality() == protoreflect.Repeated:
		return "repeated "
	case fd.Cardinality() == protoreflect.Required && fd.ParentFile().Syntax() == protoreflect.Proto2:
		return "required "
	case fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic():
		return ""
	case fd.ParentFile().Syntax() == protoreflect.Proto2:
		return "optional "
	case fd.HasOptionalKeyword():
		return "optional "
	}
	return ""
}

// fieldType is the type a field is declared with.
func (p *protoPrinter) fieldType(fd protoreflect.FieldDescriptor) string {
	if fd.IsMap() {
		return fmt.Sprintf("map<%s, %s>", p.fieldType(fd.MapKey()), p.fieldType(fd.MapValue()))
	}
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return p.typeName(fd.Message())
	case protoreflect.EnumKind:
		return p.typeName(fd.Enum())
	}
	return fd.Kind().String()
}

// fieldOptions are the options of a field that change what it accepts or
// how it reads: its default, its JSON name, deprecation.
func fieldOptions(fd protoreflect.FieldDescriptor) string {
	var opts []string
	if fd.HasDefault() {
		opts = append(opts, "default = "+defaultValue(fd))
	}
	if !fd.IsExtension() && fd.HasJSONName() && fd.JSONName() != defaultJSONName(string(fd.Name())) {
		opts = append(opts, "json_name = "+strconv.Quote(fd.JSONName()))
	}
	if isDeprecated(fd.Options()) {
		opts = append(opts, "deprecated = true")
	}
	if len(opts) == 0 {
		return ""
	}
	return " [" + strings.Join(opts, ", ") + "]"
}

// defaultJSONName is the JSON name protoc gives a field without a
// json_name option (and writes into every descriptor): the name in
// lowerCamelCase, each underscore dropped and the letter after it
// upper-cased. Only a json_name that differs from it was written in the
// source.
func defaultJSONName(name string) string {
	var b strings.Builder
	upper := false
	for _, r := range name {
		switch {
		case r == '_':
			upper = true
		case upper && 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			upper = false
		default:
			b.WriteRune(r)
			upper = false
		}
	}
	return b.String()
}

// defaultValue writes a proto2 default as the source does.
func defaultValue(fd protoreflect.FieldDescriptor) string {
	v := fd.Default()
	switch fd.Kind() {
	case protoreflect.StringKind:
		return strconv.Quote(v.String())
	case protoreflect.BytesKind:
		return strconv.Quote(string(v.Bytes()))
	case protoreflect.EnumKind:
		if ev := fd.DefaultEnumValue(); ev != nil {
			return string(ev.Name())
		}
	}
	return fmt.Sprint(v.Interface())
}

func (p *protoPrinter) enum(ed protoreflect.EnumDescriptor, indent string) {
	p.comments(ed, indent)
	p.printf(indent, "enum %s {\n", ed.Name())
	in := indent + indentUnit
	if o, ok := ed.Options().(*descriptorpb.EnumOptions); ok && o.GetAllowAlias() {
		p.printf(in, "option allow_alias = true;\n")
	}
	for i := range ed.Values().Len() {
		p.enumValue(ed.Values().Get(i), in)
	}
	p.reserved(ed.ReservedRanges(), ed.ReservedNames(), in)
	p.printf(indent, "}\n")
}

func (p *protoPrinter) enumValue(ev protoreflect.EnumValueDescriptor, indent string) {
	p.comments(ev, indent)
	opt := ""
	if isDeprecated(ev.Options()) {
		opt = " [deprecated = true]"
	}
	p.printf(indent, "%s = %d%s;\n", ev.Name(), ev.Number(), opt)
}

// reserved writes the reserved numbers and names of a message or enum.
func (p *protoPrinter) reserved(r rangeList, names protoreflect.Names, indent string) {
	if r.Len() > 0 {
		p.printf(indent, "reserved %s;\n", ranges(r))
	}
	if names.Len() > 0 {
		quoted := make([]string, names.Len())
		for i := range names.Len() {
			quoted[i] = strconv.Quote(string(names.Get(i)))
		}
		p.printf(indent, "reserved %s;\n", strings.Join(quoted, ", "))
	}
}

// rangeList is what FieldRanges and EnumRanges have in common: ranges of
// numbers, each given as its first and last number.
type rangeList interface {
	Len() int
}

// ranges writes number ranges as "1, 5 to 9, 100 to max". Field ranges are
// half-open ([start, end)); enum ranges are closed.
func ranges(r rangeList) string {
	var parts []string
	add := func(lo, hi int64) {
		switch {
		case lo == hi:
			parts = append(parts, strconv.FormatInt(lo, 10))
		case hi == maxFieldNumber:
			parts = append(parts, fmt.Sprintf("%d to max", lo))
		default:
			parts = append(parts, fmt.Sprintf("%d to %d", lo, hi))
		}
	}
	switch r := r.(type) {
	case protoreflect.FieldRanges:
		for i := range r.Len() {
			rr := r.Get(i)
			add(int64(rr[0]), int64(rr[1])-1)
		}
	case protoreflect.EnumRanges:
		for i := range r.Len() {
			rr := r.Get(i)
			add(int64(rr[0]), int64(rr[1]))
		}
	}
	return strings.Join(parts, ", ")
}

// isDeprecated reports the deprecated option of any descriptor's options.
func isDeprecated(opts any) bool {
	d, ok := opts.(interface{ GetDeprecated() bool })
	return ok && d.GetDeprecated()
}

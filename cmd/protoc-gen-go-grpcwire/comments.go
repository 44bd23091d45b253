package main

import (
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
)

// deprecatedLine is the paragraph Go tools (gopls, staticcheck, pkgsite)
// recognize as marking an identifier deprecated.
const deprecatedLine = "// Deprecated: Do not use."

// callKind names a method's call kind the way the generated comments and the
// server and client packages do.
type callKind int

// The four kinds, decided by the stream keywords on the rpc's request and
// response types.
const (
	unary callKind = iota
	serverStreaming
	clientStreaming
	bidiStreaming
)

// kindOf reports a method's call kind from its descriptor.
func kindOf(m *protogen.Method) callKind {
	switch cs, ss := m.Desc.IsStreamingClient(), m.Desc.IsStreamingServer(); {
	case cs && ss:
		return bidiStreaming
	case cs:
		return clientStreaming
	case ss:
		return serverStreaming
	}
	return unary
}

// String is the kind as a phrase for doc comments.
func (k callKind) String() string {
	return [...]string{"unary", "server-streaming", "client-streaming", "bidirectional-streaming"}[k]
}

// deprecated reports whether the rpc carries option deprecated = true.
func deprecated(m *protogen.Method) bool {
	opts, _ := m.Desc.Options().(*descriptorpb.MethodOptions)
	return opts.GetDeprecated()
}

// serviceDeprecated reports whether the service carries option
// deprecated = true.
func serviceDeprecated(s *protogen.Service) bool {
	opts, _ := s.Desc.Options().(*descriptorpb.ServiceOptions)
	return opts.GetDeprecated()
}

// leading returns the element's leading comment from the .proto file as Go
// comment lines, without the final newline, or "" when there is none.
func leading(c protogen.CommentSet) string {
	return strings.TrimSuffix(c.Leading.String(), "\n")
}

// methodDoc writes the doc comment of a method in an interface: the .proto
// comment when there is one, else generated, so every method is documented;
// then the deprecation paragraph if the rpc is deprecated.
func methodDoc(g *protogen.GeneratedFile, service *protogen.Service, m *protogen.Method, generated string) {
	if c := leading(m.Comments); c != "" {
		g.P(c)
	} else {
		comment(g, "", m.GoName+" "+generated+" "+fullMethodName(service, m)+", a "+kindOf(m).String()+" method.")
	}
	if deprecated(m) {
		g.P("//")
		g.P(deprecatedLine)
	}
}

// serviceDoc writes the doc comment of a generated service-level name: the
// generated first paragraph (wrapped), the
// service's .proto comment as a second paragraph when withProto is set (the
// two interfaces carry it; the functions would only repeat it), and the
// deprecation paragraph when the service is deprecated.
func serviceDoc(g *protogen.GeneratedFile, service *protogen.Service, withProto bool, paragraph string) {
	comment(g, "", paragraph)
	if c := leading(service.Comments); withProto && c != "" {
		g.P("//")
		g.P(c)
	}
	if serviceDeprecated(service) {
		g.P("//")
		g.P(deprecatedLine)
	}
}

// commentWidth is where generated comment paragraphs wrap, counting the "// "
// and the indent, as gofmt'd Go is usually read.
const commentWidth = 80

// comment writes paragraph as // comment lines indented by indent, wrapped
// at commentWidth between words (a word longer than the line stays whole).
func comment(g *protogen.GeneratedFile, indent, paragraph string) {
	line := ""
	for _, w := range strings.Fields(paragraph) {
		if line != "" && len(indent)+len("// ")+len(line)+1+len(w) > commentWidth {
			g.P(indent, "// ", line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		g.P(indent, "// ", line)
	}
}

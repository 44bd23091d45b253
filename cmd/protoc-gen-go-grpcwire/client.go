package main

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/compiler/protogen"
)

// genClient writes the client side of a service: the client interface, its
// implementation over client.ConnInterface, and the constructor.
func genClient(g *protogen.GeneratedFile, service *protogen.Service) {
	clientType := service.GoName + "Client"
	implType := unexport(clientType)
	name := service.Desc.FullName()
	conn := g.QualifiedGoIdent(clientPackage.Ident("ConnInterface"))

	serviceDoc(g, service, true, clientType+" is the client API of the "+string(name)+
		" service, one method per rpc.")
	g.P("type ", clientType, " interface {")
	for _, m := range service.Methods {
		methodDoc(g, service, m, "calls")
		g.P(clientSignature(g, m))
	}
	g.P("}")
	g.P()

	g.P("// ", implType, " implements ", clientType, " on a connection.")
	g.P("type ", implType, " struct {")
	g.P("cc ", conn)
	g.P("}")
	g.P()

	serviceDoc(g, service, false, "New"+clientType+" returns a client of the "+string(name)+
		" service that makes its calls on cc, a connection from the client package or a wrapper around one.")
	g.P("func New", clientType, "(cc ", conn, ") ", clientType, " {")
	g.P("return &", implType, "{cc: cc}")
	g.P("}")
	g.P()

	for _, m := range service.Methods {
		req := g.QualifiedGoIdent(m.Input.GoIdent)
		res := g.QualifiedGoIdent(m.Output.GoIdent)
		method := fullMethodConst(service, m)
		g.P("// ", m.GoName, " calls ", fullMethodName(service, m), ".")
		if deprecated(m) {
			g.P("//")
			g.P(deprecatedLine)
		}
		g.P("func (c *", implType, ") ", clientSignature(g, m), " {")
		switch kindOf(m) {
		case unary:
			g.P("return ", g.QualifiedGoIdent(clientPackage.Ident("Unary")), "[", req, ", ", res, "](ctx, c.cc, ", method, ", in, opts...)")
		case serverStreaming:
			g.P("return ", g.QualifiedGoIdent(clientPackage.Ident("ServerStreaming")), "[", req, ", ", res, "](ctx, c.cc, ", method, ", in, opts...)")
		case clientStreaming:
			g.P("return ", g.QualifiedGoIdent(clientPackage.Ident("NewClientStream")), "[", req, ", ", res, "](ctx, c.cc, ", method, ", opts...)")
		case bidiStreaming:
			g.P("return ", g.QualifiedGoIdent(clientPackage.Ident("NewBidiStream")), "[", req, ", ", res, "](ctx, c.cc, ", method, ", opts...)")
		}
		g.P("}")
		g.P()
	}
}

// clientSignature is a client method's name and signature, by call kind:
//
//	unary             X(ctx, in *Req, opts ...client.CallOption) (*Res, error)
//	server-streaming  X(ctx, in *Req, opts ...client.CallOption) iter.Seq2[*Res, error]
//	client-streaming  X(ctx, opts ...client.CallOption) (*client.ClientStreamClient[Req, Res], error)
//	bidi-streaming    X(ctx, opts ...client.CallOption) (*client.BidiStreamClient[Req, Res], error)
func clientSignature(g *protogen.GeneratedFile, m *protogen.Method) string {
	req := g.QualifiedGoIdent(m.Input.GoIdent)
	res := g.QualifiedGoIdent(m.Output.GoIdent)
	ctx := "ctx " + g.QualifiedGoIdent(contextPackage.Ident("Context"))
	opts := "opts ..." + g.QualifiedGoIdent(clientPackage.Ident("CallOption"))
	switch kindOf(m) {
	case serverStreaming:
		return m.GoName + "(" + ctx + ", in *" + req + ", " + opts + ") " +
			g.QualifiedGoIdent(iterPackage.Ident("Seq2")) + "[*" + res + ", error]"
	case clientStreaming:
		return m.GoName + "(" + ctx + ", " + opts + ") (*" +
			g.QualifiedGoIdent(clientPackage.Ident("ClientStreamClient")) + "[" + req + ", " + res + "], error)"
	case bidiStreaming:
		return m.GoName + "(" + ctx + ", " + opts + ") (*" +
			g.QualifiedGoIdent(clientPackage.Ident("BidiStreamClient")) + "[" + req + ", " + res + "], error)"
	}
	return m.GoName + "(" + ctx + ", in *" + req + ", " + opts + ") (*" + res + ", error)"
}

// unexport lower-cases the first letter of an exported Go name, for the
// unexported type that implements a client interface.
func unexport(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// quote renders s as a Go string literal.
func quote(s string) string { return strconv.Quote(s) }

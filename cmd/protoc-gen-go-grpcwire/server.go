package main

import (
	"google.golang.org/protobuf/compiler/protogen"
)

// genServer writes the server side of a service: the interface handlers
// implement, the Unimplemented struct to embed, and the Register function.
func genServer(g *protogen.GeneratedFile, file *protogen.File, service *protogen.Service) {
	serverType := service.GoName + "Server"
	unimplType := "Unimplemented" + serverType
	name := service.Desc.FullName()

	// The interface.
	serviceDoc(g, service, true, serverType+" is the server API of the "+string(name)+
		" service, one method per rpc. Implementations should embed "+unimplType+
		" by value, so that adding an rpc to the .proto file does not break them.")
	g.P("type ", serverType, " interface {")
	for _, m := range service.Methods {
		methodDoc(g, service, m, "handles")
		g.P(serverSignature(g, m))
	}
	g.P("}")
	g.P()

	// The Unimplemented struct.
	comment(g, "", unimplType+" answers every rpc of the "+string(name)+
		" service with UNIMPLEMENTED. Embed it by value in an implementation of "+serverType+
		" so that methods added to the service later compile and fail cleanly.")
	g.P("type ", unimplType, " struct{}")
	g.P()
	for _, m := range service.Methods {
		g.P("// ", m.GoName, " returns UNIMPLEMENTED.")
		if deprecated(m) {
			g.P("//")
			g.P(deprecatedLine)
		}
		g.P("func (", unimplType, ") ", serverSignature(g, m), " {")
		errorf := g.QualifiedGoIdent(wirePackage.Ident("Errorf"))
		code := g.QualifiedGoIdent(wirePackage.Ident("Unimplemented"))
		zero := "nil, "
		if kindOf(m) != unary {
			zero = ""
		}
		g.P("return ", zero, errorf, "(", code, `, "method `, m.GoName, ` not implemented")`)
		g.P("}")
		g.P()
	}
	g.P("var _ ", serverType, " = ", unimplType, "{}")
	g.P()

	// Register.
	registerName := "Register" + serverType
	serviceDoc(g, service, false, registerName+" registers impl with s as the "+string(name)+
		" service, with its descriptor for server reflection. Call it before s serves.")
	g.P("func ", registerName, "(s *", g.QualifiedGoIdent(serverPackage.Ident("Server")), ", impl ", serverType, ") {")
	g.P("s.Register(&", g.QualifiedGoIdent(serverPackage.Ident("ServiceDesc")), "{")
	g.P("Name: ", serviceNameConst(service), ",")
	g.P("Descriptor: ", g.QualifiedGoIdent(file.GoDescriptorIdent), ".Services().ByName(", quote(string(service.Desc.Name())), "),")
	g.P("Methods: []", g.QualifiedGoIdent(serverPackage.Ident("MethodDesc")), "{")
	for _, m := range service.Methods {
		ctor := [...]string{
			unary:           "UnaryMethod",
			serverStreaming: "ServerStreamingMethod",
			clientStreaming: "ClientStreamingMethod",
			bidiStreaming:   "BidiStreamingMethod",
		}[kindOf(m)]
		g.P(g.QualifiedGoIdent(serverPackage.Ident(ctor)), "(", quote(string(m.Desc.Name())), ", impl.", m.GoName, "),")
	}
	g.P("},")
	g.P("})")
	g.P("}")
	g.P()
}

// serverSignature is a handler method's name and signature in the server
// interface, by call kind:
//
//	unary             X(context.Context, *Req) (*Res, error)
//	server-streaming  X(*Req, server.ServerStreamingServer[Res]) error
//	client-streaming  X(server.ClientStreamingServer[Req, Res]) error
//	bidi-streaming    X(server.BidiStreamingServer[Req, Res]) error
func serverSignature(g *protogen.GeneratedFile, m *protogen.Method) string {
	req := g.QualifiedGoIdent(m.Input.GoIdent)
	res := g.QualifiedGoIdent(m.Output.GoIdent)
	switch kindOf(m) {
	case serverStreaming:
		return m.GoName + "(*" + req + ", " + g.QualifiedGoIdent(serverPackage.Ident("ServerStreamingServer")) + "[" + res + "]) error"
	case clientStreaming:
		return m.GoName + "(" + g.QualifiedGoIdent(serverPackage.Ident("ClientStreamingServer")) + "[" + req + ", " + res + "]) error"
	case bidiStreaming:
		return m.GoName + "(" + g.QualifiedGoIdent(serverPackage.Ident("BidiStreamingServer")) + "[" + req + ", " + res + "]) error"
	}
	return m.GoName + "(" + g.QualifiedGoIdent(contextPackage.Ident("Context")) + ", *" + req + ") (*" + res + ", error)"
}

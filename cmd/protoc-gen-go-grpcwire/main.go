// Command protoc-gen-go-grpcwire is a protoc plugin that writes typed gRPC
// stubs for grpcwire: for every service in a .proto file it writes
// <file>_grpcwire.pb.go beside protoc-gen-go's <file>.pb.go, in the same Go
// package, with the full method names as constants, a server interface, an
// Unimplemented server to embed, a Register function for server.Server and a
// typed client over client.ConnInterface.
//
// It speaks the ordinary plugin protocol (a CodeGeneratorRequest on stdin, a
// CodeGeneratorResponse on stdout), so protoc and buf both run it:
//
//	protoc --go_out=. --go_opt=paths=source_relative \
//	       --go-grpcwire_out=. --go-grpcwire_opt=paths=source_relative users.proto
//
// The usual protoc-gen-go options (paths=source_relative, module=..., M...)
// work the same way because google.golang.org/protobuf/compiler/protogen
// handles them. Files without services produce no output.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// version is written into every generated file's header, so a reader can
// tell which generator produced it. Raise it when the output changes.
const version = "v0.1.0"

// pluginName is the executable's name as protoc looks it up: --go-grpcwire_out
// runs protoc-gen-go-grpcwire.
const pluginName = "protoc-gen-go-grpcwire"

// The editions this plugin accepts. It reads nothing that editions change
// (names, comments, streaming flags and the deprecated option only), so it
// accepts the same range as protoc-gen-go v1.36; protoc refuses to run a
// plugin on an editions file unless the plugin declares it.
const (
	minEdition = descriptorpb.Edition_EDITION_PROTO2
	maxEdition = descriptorpb.Edition_EDITION_2024
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(pluginName, version)
		return
	}
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "%s: run it from protoc or buf (--go-grpcwire_out=DIR), not by hand; --version prints the version\n", filepath.Base(os.Args[0]))
		os.Exit(1)
	}
	var flags flag.FlagSet
	protogen.Options{ParamFunc: flags.Set}.Run(run)
}

// run generates one _grpcwire.pb.go file per requested .proto file that
// declares a service. It is what main hands to protogen, and what the golden
// test calls in-process.
func run(gen *protogen.Plugin) error {
	gen.SupportedFeatures = uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL |
		pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	gen.SupportedEditionsMinimum = minEdition
	gen.SupportedEditionsMaximum = maxEdition
	for _, f := range gen.Files {
		if f.Generate {
			generateFile(gen, f)
		}
	}
	return nil
}

// Package filesgrpc holds grpc-go's stubs of ../../files.proto
// (protoc-gen-go-grpc, files_grpc.pb.go), for the grpc-go implementation of
// the Files service and grpc-go's clients of it. The messages are
// grpcwire's own generated ones (grpcwire/filespb): types.go names them
// here, because protoc-gen-go-grpc writes the stubs into the package of
// the messages' file and files.proto holds the service and its messages
// together. Everything is committed, so neither the tests nor a build need
// protoc.
//
// To regenerate the stubs, with protoc on PATH (Debian: apt-get install
// protobuf-compiler), run go generate in this directory. It builds
// protoc-gen-go-grpc at the version this module pins with its tool
// directive.
package filesgrpc

//go:generate go build -o .plugins/ google.golang.org/grpc/cmd/protoc-gen-go-grpc
//go:generate protoc -I../.. --plugin=protoc-gen-go-grpc=.plugins/protoc-gen-go-grpc --go-grpc_out=. --go-grpc_opt=paths=source_relative --go-grpc_opt=Mfiles.proto=grpcwire/conformance/filesgrpc;filesgrpc files.proto
//go:generate rm -rf .plugins

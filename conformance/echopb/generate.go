// Package echopb holds the generated code of echo.proto and
// echo_messages.proto, the conformance module's test service: the messages
// (protoc-gen-go, echo_messages.pb.go and echo.pb.go) and grpcwire's stubs
// (protoc-gen-go-grpcwire, echo_grpcwire.pb.go). grpc-go's stubs
// (protoc-gen-go-grpc) are in the subpackage echogrpc, because both stub
// generators name their types alike. Everything is committed, so neither the
// tests nor a build need protoc.
//
// To regenerate them, with protoc on PATH (Debian: apt-get install
// protobuf-compiler), run go generate in this directory. It builds the three
// plugins at the versions this module pins (protoc-gen-go from
// google.golang.org/protobuf, protoc-gen-go-grpc from its tool directive,
// protoc-gen-go-grpcwire from the grpcwire module next door), so the output
// does not depend on whatever plugins happen to be installed.
package echopb

//go:generate go build -o .plugins/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc grpcwire/cmd/protoc-gen-go-grpcwire
//go:generate protoc -I. --plugin=protoc-gen-go=.plugins/protoc-gen-go --go_out=. --go_opt=paths=source_relative echo_messages.proto echo.proto
//go:generate protoc -I. --plugin=protoc-gen-go-grpcwire=.plugins/protoc-gen-go-grpcwire --go-grpcwire_out=. --go-grpcwire_opt=paths=source_relative echo.proto
//go:generate protoc -I. --plugin=protoc-gen-go-grpc=.plugins/protoc-gen-go-grpc --go-grpc_out=echogrpc --go-grpc_opt=paths=source_relative --go-grpc_opt=Mecho.proto=grpcwire/conformance/echopb/echogrpc;echogrpc echo.proto
//go:generate rm -rf .plugins

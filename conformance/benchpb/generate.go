// Package benchpb holds the generated code of bench.proto and
// bench_messages.proto, the service of the side-by-side benchmark harness
// (package bench): the messages (protoc-gen-go, bench_messages.pb.go and
// bench.pb.go) and grpcwire's stubs (protoc-gen-go-grpcwire,
// bench_grpcwire.pb.go). grpc-go's stubs (protoc-gen-go-grpc) are in the
// subpackage benchgrpc, because both stub generators name their types alike.
// Everything is committed, so neither the harness nor its tests need protoc.
//
// To regenerate them, with protoc on PATH (Debian: apt-get install
// protobuf-compiler), run go generate in this directory. It builds the three
// plugins at the versions this module pins, so the output does not depend
// on whatever plugins happen to be installed.
package benchpb

//go:generate go build -o .plugins/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc grpcwire/cmd/protoc-gen-go-grpcwire
//go:generate protoc -I. --plugin=protoc-gen-go=.plugins/protoc-gen-go --go_out=. --go_opt=paths=source_relative bench_messages.proto bench.proto
//go:generate protoc -I. --plugin=protoc-gen-go-grpcwire=.plugins/protoc-gen-go-grpcwire --go-grpcwire_out=. --go-grpcwire_opt=paths=source_relative bench.proto
//go:generate protoc -I. --plugin=protoc-gen-go-grpc=.plugins/protoc-gen-go-grpc --go-grpc_out=benchgrpc --go-grpc_opt=paths=source_relative --go-grpc_opt=Mbench.proto=grpcwire/conformance/benchpb/benchgrpc;benchgrpc bench.proto
//go:generate rm -rf .plugins

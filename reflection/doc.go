// Package reflection serves gRPC server reflection (grpc/grpc
// doc/server-reflection.md), grpc.reflection.v1.ServerReflection and its
// predecessor grpc.reflection.v1alpha, on a grpcwire server, so that tools
// such as grpcurl, grpc_cli and Postman can list the server's services,
// describe them and call them without the .proto files.
//
// One line sets it up:
//
//	reflection.Register(s)
//
// It answers from the services registered on s at the time of each
// question (their ServiceDesc.Descriptor, which generated code sets) and
// from the files those import, found through protoregistry.GlobalFiles.
//
// It lives beside server and client rather than inside server for the
// reasons package health gives: it is an ordinary, optional gRPC service
// built on their public API.
package reflection

package filesgrpc

import "grpcwire/filespb"

// The messages of files.proto, by the names the stubs use. They are
// grpcwire's generated types (aliases, not copies), so that one program can
// hold grpcwire's and grpc-go's code of the service: protobuf registers
// every message once.
type (
	UploadRequest   = filespb.UploadRequest
	UploadHeader    = filespb.UploadHeader
	DownloadRequest = filespb.DownloadRequest
	Chunk           = filespb.Chunk
	ListRequest     = filespb.ListRequest
	ListResponse    = filespb.ListResponse
	StatRequest     = filespb.StatRequest
	FileInfo        = filespb.FileInfo
)

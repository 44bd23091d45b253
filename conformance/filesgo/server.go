// Package filesgo is the Files service of files.proto written on grpc-go:
// the same storage and checks as grpcwire's (grpcwire/filesvc's Store),
// received and sent the way grpc-go programs do, with the typed stream's
// Recv and Send. The conformance tests run grpcwire's files command against
// it, and the benchmark harness compares it with grpcwire's files-server.
package filesgo

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"grpcwire/conformance/filesgrpc"
	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/wire"
)

// Server implements filesgrpc.FilesServer on a filesvc.Store.
type Server struct {
	filesgrpc.UnimplementedFilesServer
	store *filesvc.Store
	chunk int
}

// New returns the service on store, sending downloads in chunks of chunk
// bytes (filesvc.ChunkSize when zero).
func New(store *filesvc.Store, chunk int) *Server {
	if chunk <= 0 {
		chunk = filesvc.ChunkSize
	}
	return &Server{store: store, chunk: chunk}
}

// Register registers the service with s.
func (s *Server) Register(g *grpc.Server) { filesgrpc.RegisterFilesServer(g, s) }

// toGRPC turns the Store's *wire.Status errors into grpc-go's.
func toGRPC(err error) error {
	var st *wire.Status
	if errors.As(err, &st) {
		return status.Error(codes.Code(st.Code), st.Message)
	}
	return err
}

// Upload stores a file from its stream of chunks, as grpcwire's does.
func (s *Server) Upload(stream grpc.ClientStreamingServer[filespb.UploadRequest, filespb.FileInfo]) error {
	first, err := stream.Recv()
	if err == io.EOF {
		return status.Error(codes.InvalidArgument, "files: the upload sent no message; its first must carry the header")
	}
	if err != nil {
		return err
	}
	hdr := first.GetHeader()
	if hdr == nil {
		return status.Error(codes.InvalidArgument, "files: the first message of an upload must carry the header")
	}
	up, err := s.store.BeginUpload(hdr)
	if err != nil {
		return toGRPC(err)
	}
	keep := false
	defer func() { up.Abandon(keep) }()
	var final []byte
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			keep = stream.Context().Err() != nil
			return err
		}
		if final != nil {
			return status.Error(codes.InvalidArgument, "files: a message came after the sha256 message, which must be the last")
		}
		switch p := req.Part.(type) {
		case *filespb.UploadRequest_Data:
			if err := up.Write(p.Data); err != nil {
				return toGRPC(err)
			}
		case *filespb.UploadRequest_Sha256:
			if len(p.Sha256) != 32 {
				return status.Errorf(codes.InvalidArgument, "files: the last message's sha256 has %d bytes; a SHA-256 has 32", len(p.Sha256))
			}
			final = p.Sha256
		case *filespb.UploadRequest_Header:
			return status.Error(codes.InvalidArgument, "files: a second header came; only the first message carries one")
		default:
			return status.Error(codes.InvalidArgument, "files: a message of the upload carries nothing (no header, data or sha256)")
		}
	}
	out, err := up.Finish(final)
	if err != nil {
		return toGRPC(err)
	}
	return stream.SendAndClose(out)
}

// Download sends a file: its info, then its bytes from the offset.
func (s *Server) Download(req *filespb.DownloadRequest, stream grpc.ServerStreamingServer[filespb.Chunk]) error {
	f, fi, err := s.store.Open(req.GetName(), req.GetOffset())
	if err != nil {
		return toGRPC(err)
	}
	defer f.Close()
	if err := stream.Send(&filespb.Chunk{Info: fi}); err != nil {
		return err
	}
	buf := make([]byte, s.chunk)
	for left := fi.GetSize() - req.GetOffset(); left > 0; {
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), left)])
		if err != nil {
			return status.Errorf(codes.DataLoss, "files: %s could not be read whole: %v", req.GetName(), err)
		}
		if err := stream.Send(&filespb.Chunk{Data: buf[:n]}); err != nil {
			return err
		}
		left -= int64(n)
	}
	return nil
}

// List describes every stored file.
func (s *Server) List(ctx context.Context, _ *filespb.ListRequest) (*filespb.ListResponse, error) {
	files, err := s.store.List()
	if err != nil {
		return nil, toGRPC(err)
	}
	return &filespb.ListResponse{Files: files}, nil
}

// Stat describes one file.
func (s *Server) Stat(ctx context.Context, req *filespb.StatRequest) (*filespb.FileInfo, error) {
	fi, err := s.store.Stat(req.GetName())
	return fi, toGRPC(err)
}

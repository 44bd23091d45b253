package filesvc

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"grpcwire/filespb"
	"grpcwire/server"
	"grpcwire/wire"
)

// Service implements files.Files (filespb.FilesServer) on a Store.
type Service struct {
	filespb.UnimplementedFilesServer
	store *Store
	log   *slog.Logger
	chunk int // bytes of a download's data messages: ChunkSize, or a benchmark's
}

// NewService returns the Files service on store. logger receives the
// server-side detail of failed calls; nil discards it.
func NewService(store *Store, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: logger, chunk: ChunkSize}
}

// SetChunkSize sets how many bytes of a file each data message of a
// download carries, ChunkSize by default; it also sizes the buffer an
// upload's messages are received into (larger ones still fit). Clients
// choose the size of their uploads' chunks. Call it before serving.
func (svc *Service) SetChunkSize(n int) {
	if n > 0 {
		svc.chunk = n
	}
}

// Register registers the service with s.
func (svc *Service) Register(s *server.Server) { filespb.RegisterFilesServer(s, svc) }

// Upload stores a file from its stream of chunks. Each message is received
// undecoded into one reused buffer and decoded in place, so that a chunk's
// data goes from the buffer it was reassembled in straight to the file
// (see the package documentation on copies).
func (svc *Service) Upload(stream server.ClientStreamingServer[filespb.UploadRequest, filespb.FileInfo]) error {
	buf := make([]byte, 0, svc.chunk+dataOverhead)
	msg, err := server.RecvRawMsg(stream, buf)
	if err == io.EOF {
		return wire.Errorf(wire.InvalidArgument, "files: the upload sent no message; its first must carry the header")
	}
	if err != nil {
		return err
	}
	part, err := DecodeUploadRequest(msg)
	if err != nil {
		return badMessage(err)
	}
	if part.Part != PartHeader {
		return wire.Errorf(wire.InvalidArgument, "files: the first message of an upload must carry the header, not %s", part.Part)
	}
	up, err := svc.store.BeginUpload(part.Header)
	if err != nil {
		return err
	}
	// An upload that ends without Finish keeps its temporary file when the
	// call was cut short (cancelled, its connection lost), so that it can
	// be continued; one that failed its checks does not.
	keep := false
	defer func() { up.Abandon(keep) }()
	var final []byte
	for {
		msg, err = server.RecvRawMsg(stream, msg[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			keep = stream.Context().Err() != nil || isCut(err)
			if keep {
				svc.log.Info("files: upload interrupted; it can be continued", "name", part.Header.GetName(), "committed", up.Written(), "err", err)
			}
			return err
		}
		p, err := DecodeUploadRequest(msg)
		if err != nil {
			return badMessage(err)
		}
		if final != nil {
			return wire.Errorf(wire.InvalidArgument, "files: a message came after the sha256 message, which must be the last")
		}
		switch p.Part {
		case PartData:
			if err := up.Write(p.Bytes); err != nil {
				return err
			}
		case PartSHA256:
			if len(p.Bytes) != 32 {
				return wire.Errorf(wire.InvalidArgument, "files: the last message's sha256 has %d bytes; a SHA-256 has 32", len(p.Bytes))
			}
			final = append([]byte(nil), p.Bytes...) // msg is reused
		case PartHeader:
			return wire.Errorf(wire.InvalidArgument, "files: a second header came; only the first message carries one")
		default:
			return wire.Errorf(wire.InvalidArgument, "files: a message of the upload carries nothing (no header, data or sha256)")
		}
	}
	out, err := up.Finish(final)
	if err != nil {
		return err
	}
	return stream.SendAndClose(out)
}

// isCut reports whether a receive error means the call was cut short (the
// client reset it or the connection went away) rather than that the client
// sent something wrong.
func isCut(err error) bool {
	switch wire.StatusOf(err).Code {
	case wire.Canceled, wire.Unavailable, wire.DeadlineExceeded:
		return true
	}
	return errors.Is(err, context.Canceled)
}

// badMessage is the status of a message that is not a valid encoding of
// its type.
func badMessage(err error) error {
	return wire.Errorf(wire.InvalidArgument, "files: a message is not valid protobuf: %v", err)
}

// Download sends a file: first a Chunk with its info, then its bytes from
// the requested offset, ChunkSize at a time. The file stays open for the
// whole call, so an upload that replaces it meanwhile does not change what
// this call sends.
func (svc *Service) Download(req *filespb.DownloadRequest, stream server.ServerStreamingServer[filespb.Chunk]) error {
	f, fi, err := svc.store.Open(req.GetName(), req.GetOffset())
	if err != nil {
		return err
	}
	defer f.Close()
	if err := stream.Send(&filespb.Chunk{Info: fi}); err != nil {
		return err
	}
	buf := make([]byte, svc.chunk)
	var chunk filespb.Chunk
	for left := fi.GetSize() - req.GetOffset(); left > 0; {
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), left)])
		if err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return wire.Errorf(wire.DataLoss, "files: %s became shorter while it was being sent", quoteName(req.GetName()))
			}
			return svc.store.ioError("read", req.GetName(), err)
		}
		chunk.Data = buf[:n]
		if err := stream.Send(&chunk); err != nil {
			return err
		}
		left -= int64(n)
	}
	return nil
}

// List describes every stored file.
func (svc *Service) List(ctx context.Context, _ *filespb.ListRequest) (*filespb.ListResponse, error) {
	files, err := svc.store.List()
	if err != nil {
		return nil, err
	}
	return &filespb.ListResponse{Files: files}, nil
}

// Stat describes one file, and an upload of its name in progress.
func (svc *Service) Stat(ctx context.Context, req *filespb.StatRequest) (*filespb.FileInfo, error) {
	return svc.store.Stat(req.GetName())
}

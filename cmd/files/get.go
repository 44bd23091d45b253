package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"google.golang.org/protobuf/proto"

	"grpcwire/client"
	"grpcwire/filespb"
	"grpcwire/filesvc"
)

// partSuffix names the file a download is written into until its SHA-256
// checks out: OUT.part, renamed to OUT at the end.
const partSuffix = ".part"

// runGet is "files get [-resume] NAME [OUT]".
func runGet(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	fs.SetOutput(e.io.err)
	resume := fs.Bool("resume", false, "continue an interrupted download into OUT.part from its size")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usagef("want NAME and at most an OUT, got %d arguments", fs.NArg())
	}
	name := fs.Arg(0)
	out := name
	if fs.NArg() == 2 {
		out = fs.Arg(1)
	}
	return get(ctx, e, name, out, *resume)
}

// rawReceiver is a stream that receives messages undecoded, as
// client.Stream does.
type rawReceiver interface {
	RecvRawMsg(buf []byte) ([]byte, error)
}

// get downloads name into out: into out.part first, from its size with
// resume, then renamed to out once the whole file's SHA-256 is the one the
// server gave. An interrupted download keeps out.part for -resume.
func get(ctx context.Context, e *env, name, out string, resume bool) error {
	part := out + partSuffix
	var offset int64
	if resume {
		switch fi, err := os.Stat(part); {
		case err == nil && fi.Mode().IsRegular():
			offset = fi.Size()
		case err == nil:
			return &localError{err: fmt.Errorf("%s is not a regular file", part), usage: true}
		case !errors.Is(err, fs.ErrNotExist):
			return &localError{err: fmt.Errorf("cannot continue the download: %w", err), usage: true}
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cs, err := e.conn.NewStream(ctx, &client.StreamDesc{ServerStreams: true}, filespb.Files_Download_FullMethodName)
	if err != nil {
		return err
	}
	if err := cs.SendMsg(&filespb.DownloadRequest{Name: name, Offset: offset}); err != nil && err != io.EOF {
		return err
	}
	cs.CloseSend()
	recv := receiver(cs)

	buf := make([]byte, 0, filesvc.ChunkSize+64)
	msg, err := recv(buf)
	if err != nil {
		return err // nothing written: a refused download leaves no file
	}
	_, fi, err := filesvc.DecodeChunk(msg)
	if err != nil || fi == nil {
		return localf("the server's first message is not the file's info (%v)", err)
	}

	// The file is opened once the server has said it sends it.
	flags := os.O_RDWR | os.O_CREATE
	if !resume {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return localf("cannot write the download: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if offset > 0 {
		n, err := io.CopyBuffer(h, io.LimitReader(f, offset), make([]byte, filesvc.ChunkSize))
		if err != nil || n != offset {
			return localf("cannot read %s to continue it (%d of its %d bytes read): %v", part, n, offset, err)
		}
	}
	prog := newProgress(e.io.err, e.io.errIsTerminal && !e.opts.traceFlags.Trace, "get", name, fi.GetSize(), offset)
	got := offset
	for {
		msg, err = recv(msg[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			prog.end("")
			return fmt.Errorf("%w (after %d bytes; files get -resume continues it)", err, got)
		}
		data, _, err := filesvc.DecodeChunk(msg)
		if err != nil {
			prog.end("")
			return localf("a message of the download is not a valid files.Chunk: %v", err)
		}
		if int64(len(data)) > fi.GetSize()-got {
			prog.end("")
			return localf("the server sent more than the %d bytes of %s", fi.GetSize(), name)
		}
		if _, err := f.Write(data); err != nil {
			prog.end("")
			return localf("cannot write %s: %v", part, err)
		}
		h.Write(data)
		got += int64(len(data))
		prog.add(len(data))
	}
	sum := h.Sum(nil)
	if got != fi.GetSize() {
		prog.end("")
		return localf("the download ended after %d of the %d bytes of %s (files get -resume continues it)", got, fi.GetSize(), name)
	}
	if !bytes.Equal(sum, fi.GetSha256()) {
		prog.end("")
		f.Close()
		os.Remove(part)
		return localf("the %d bytes received have the SHA-256 %x, not the server's %x; %s was removed, get it again", got, sum, fi.GetSha256(), part)
	}
	if err := f.Close(); err != nil {
		prog.end("")
		return localf("cannot write %s: %v", part, err)
	}
	if err := os.Rename(part, out); err != nil {
		prog.end("")
		return localf("cannot move the download into place: %v", err)
	}
	prog.end(prog.summary("downloaded", sum))
	return nil
}

// receiver returns the function that receives the next message of cs
// undecoded into a buffer: RecvRawMsg when the stream has it, so that a
// chunk's data is not copied out of its message buffer, else RecvMsg and
// a re-encoding (for a stream wrapped by something that hides it).
func receiver(cs client.ClientStream) func(buf []byte) ([]byte, error) {
	if r, ok := cs.(rawReceiver); ok {
		return r.RecvRawMsg
	}
	return func(buf []byte) ([]byte, error) {
		var c filespb.Chunk
		if err := cs.RecvMsg(&c); err != nil {
			return nil, err
		}
		return proto.MarshalOptions{}.MarshalAppend(buf, &c)
	}
}

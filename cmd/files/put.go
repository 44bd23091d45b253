package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"grpcwire/filespb"
	"grpcwire/wire"
)

// runPut is "files put [-resume] FILE [NAME]".
func runPut(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("put", flag.ContinueOnError)
	fs.SetOutput(e.io.err)
	resume := fs.Bool("resume", false, "continue an interrupted upload of NAME from what the server committed")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usagef("want FILE and at most a NAME, got %d arguments", fs.NArg())
	}
	local := fs.Arg(0)
	name := filepath.Base(local)
	if fs.NArg() == 2 {
		name = fs.Arg(1)
	}
	return put(ctx, e, local, name, *resume)
}

// resumeWait bounds how long put -resume waits for the server to let go of
// the upload it continues: right after a connection broke, the server may
// not have noticed yet, and answers ABORTED (another upload of the name is
// in progress) for a moment.
const resumeWait = 10 * time.Second

// put uploads the file local as name; with resume it continues what the
// server committed of an interrupted upload, waiting up to resumeWait for
// the server to let go of it.
func put(ctx context.Context, e *env, local, name string, resume bool) error {
	if !resume {
		return putOnce(ctx, e, local, name, false)
	}
	deadline := time.Now().Add(resumeWait)
	for pause, said := 20*time.Millisecond, false; ; pause = min(2*pause, time.Second) {
		err := putOnce(ctx, e, local, name, true)
		if wire.CodeOf(err) != wire.Aborted || time.Now().After(deadline) {
			return err
		}
		if !said {
			fmt.Fprintf(e.io.err, "files: the server has an upload of %s in progress (the interrupted one, not ended yet?); trying again for up to %v\n", name, resumeWait)
			said = true
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// putOnce uploads the file local as name. It reads the file once, chunk by
// chunk, hashing what it sends; the header announces the size, the last
// message gives the SHA-256, which the server checks before storing the
// file, and the FileInfo the server answers with is checked against both.
func putOnce(ctx context.Context, e *env, local, name string, resume bool) error {
	f, err := os.Open(local)
	if err != nil {
		return &localError{err: fmt.Errorf("cannot read the file to upload: %w", err), usage: true}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &localError{err: fmt.Errorf("cannot read the file to upload: %w", err), usage: true}
	}
	if !fi.Mode().IsRegular() {
		return &localError{err: fmt.Errorf("%s is not a regular file", local), usage: true}
	}
	size := fi.Size()
	files := filespb.NewFilesClient(e.conn)

	// The call gets a context of its own, so that a local failure can end
	// it (RST_STREAM CANCEL) and the server keeps what it has for -resume.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var offset int64
	if resume {
		if offset, err = committed(ctx, files, name, size, e); err != nil {
			return err
		}
	}
	h := sha256.New()
	if offset > 0 {
		if _, err := io.CopyN(h, f, offset); err != nil {
			return localf("cannot read the first %d bytes of %s again: %v", offset, local, err)
		}
	}
	stream, err := files.Upload(ctx)
	if err != nil {
		return err
	}
	hdr := &filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: name, Size: size, Offset: offset}}}
	if err := stream.Send(hdr); err != nil {
		return closeAndRecv(stream, err)
	}

	prog := newProgress(e.io.err, e.io.errIsTerminal && !e.opts.traceFlags.Trace, "put", name, size, offset)
	buf := make([]byte, e.chunk)
	data := &filespb.UploadRequest_Data{}
	req := &filespb.UploadRequest{Part: data}
	for sent := offset; sent < size; {
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), size-sent)])
		if err != nil {
			prog.end("")
			return localf("cannot read %s (did it change while being sent?): %v", local, err)
		}
		h.Write(buf[:n])
		data.Data = buf[:n]
		if err := stream.Send(req); err != nil {
			// The call has ended; its status says why.
			prog.end("")
			return closeAndRecv(stream, err)
		}
		sent += int64(n)
		prog.add(n)
	}
	sum := h.Sum(nil)
	if err := stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Sha256{Sha256: sum}}); err != nil {
		prog.end("")
		return closeAndRecv(stream, err)
	}
	stored, err := stream.CloseAndRecv()
	if err != nil {
		prog.end("")
		return err
	}
	if stored.GetSize() != size || !bytes.Equal(stored.GetSha256(), sum) {
		prog.end("")
		return localf("the server stored %d bytes with the SHA-256 %x, not the %d bytes with the SHA-256 %x that were sent", stored.GetSize(), stored.GetSha256(), size, sum)
	}
	prog.end(prog.summary("uploaded", sum))
	return nil
}

// committed asks the server how much of an interrupted upload of name it
// holds, and returns the offset to continue from: zero when there is
// nothing to continue, or the interrupted upload was of another size.
func committed(ctx context.Context, files filespb.FilesClient, name string, size int64, e *env) (int64, error) {
	st, err := files.Stat(ctx, &filespb.StatRequest{Name: name})
	if err != nil {
		if wire.StatusOf(err).Code == wire.NotFound {
			return 0, nil
		}
		return 0, err
	}
	switch {
	case st.GetUploadCommitted() == 0:
		return 0, nil
	case st.GetUploadSize() != size || st.GetUploadCommitted() > size:
		fmt.Fprintf(e.io.err, "files: the interrupted upload of %s was of %d bytes, not %d; starting over\n", name, st.GetUploadSize(), size)
		return 0, nil
	}
	return st.GetUploadCommitted(), nil
}

// closeAndRecv returns the status of an upload whose Send failed: io.EOF
// means the server ended the call, and CloseAndRecv returns why.
func closeAndRecv(stream interface {
	CloseAndRecv() (*filespb.FileInfo, error)
}, sendErr error) error {
	if sendErr != io.EOF {
		return sendErr
	}
	if _, err := stream.CloseAndRecv(); err != nil {
		return err
	}
	return wire.Errorf(wire.Internal, "files: the server ended the upload with OK before it was complete")
}

package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"grpcwire/conformance/filesgo"
	"grpcwire/conformance/filesgrpc"
	"grpcwire/filespb"
	"grpcwire/filesvc"
)

// The roles of the harness's program in the file workloads, its first
// argument when the environment puts it in the files role.
const (
	roleFilesServer = "files-server"
	roleFilesClient = "files-client"
)

// FilesRoleMain runs a file workload role with the command line args: the
// role's name, then its flags. It returns what the process exits with.
func FilesRoleMain(args []string) error {
	if len(args) == 0 {
		return errors.New("bench: the files role needs files-server or files-client")
	}
	switch args[0] {
	case roleFilesServer:
		return filesServerMain(args[1:])
	case roleFilesClient:
		return filesClientMain(args[1:])
	}
	return fmt.Errorf("bench: unknown files role %q", args[0])
}

// filesServerMain serves the grpc-go or the raw TCP file service on a
// loopback port until SIGTERM, printing its address as files-server does.
func filesServerMain(args []string) error {
	fs := flag.NewFlagSet(roleFilesServer, flag.ContinueOnError)
	impl := fs.String("impl", FileImplGo, "grpc-go or tcp")
	dir := fs.String("dir", "", "the directory of the files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := filesvc.OpenStore(*dir, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Fprintf(os.Stderr, "files-server: listening on %s\n", ln.Addr())
	switch *impl {
	case FileImplGo:
		g := grpc.NewServer()
		filesgo.New(store, 0).Register(g)
		go func() { <-ctx.Done(); g.GracefulStop() }()
		return g.Serve(ln)
	case FileImplTCP:
		go func() { <-ctx.Done(); ln.Close() }()
		serveRawFiles(ln, store)
		return nil
	}
	return fmt.Errorf("bench: unknown files server %q", *impl)
}

// filesClientMain moves one file with the grpc-go or raw TCP client, with
// the same work as grpcwire's files command: chunks of filesvc.ChunkSize,
// the SHA-256 of what was read or written checked against the server's.
func filesClientMain(args []string) error {
	fs := flag.NewFlagSet(roleFilesClient, flag.ContinueOnError)
	impl := fs.String("impl", FileImplGo, "grpc-go or tcp")
	addr := fs.String("addr", "", "the server")
	put := fs.String("put", "", "upload this file")
	name := fs.String("name", "", "as this name")
	get := fs.String("get", "", "download this name")
	out := fs.String("out", "", "into this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *impl == FileImplGo && *put != "":
		return goPut(*addr, *put, *name)
	case *impl == FileImplGo:
		return goGet(*addr, *get, *out)
	case *put != "":
		return rawPut(*addr, *put, *name)
	default:
		return rawGet(*addr, *get, *out)
	}
}

// goPut uploads path as name with grpc-go's client.
func goPut(addr, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer cc.Close()
	stream, err := filesgrpc.NewFilesClient(cc).Upload(context.Background())
	if err != nil {
		return err
	}
	if err := stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: name, Size: fi.Size()}}}); err != nil {
		return err
	}
	h := sha256.New()
	buf := make([]byte, filesvc.ChunkSize)
	for {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			h.Write(buf[:n])
			if err := stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: buf[:n]}}); err != nil {
				_, err = stream.CloseAndRecv()
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	sum := h.Sum(nil)
	if err := stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Sha256{Sha256: sum}}); err != nil {
		_, err = stream.CloseAndRecv()
		return err
	}
	stored, err := stream.CloseAndRecv()
	if err != nil {
		return err
	}
	if !bytes.Equal(stored.GetSha256(), sum) {
		return fmt.Errorf("the server stored SHA-256 %x, not %x", stored.GetSha256(), sum)
	}
	return nil
}

// goGet downloads name into out with grpc-go's client.
func goGet(addr, name, out string) error {
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer cc.Close()
	stream, err := filesgrpc.NewFilesClient(cc).Download(context.Background(), &filespb.DownloadRequest{Name: name})
	if err != nil {
		return err
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	f, err := os.Create(out + ".part")
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if _, err := f.Write(c.GetData()); err != nil {
			return err
		}
		h.Write(c.GetData())
	}
	if sum := h.Sum(nil); !bytes.Equal(sum, first.GetInfo().GetSha256()) {
		return fmt.Errorf("received SHA-256 %x, not the server's %x", sum, first.GetInfo().GetSha256())
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(out+".part", out)
}

// The raw TCP file protocol, the least that moves a file with the same
// checks: the client writes one line, "PUT NAME SIZE" then the file's
// bytes and their SHA-256, or "GET NAME"; the server answers a PUT with
// "OK HEX-SHA256" or "ERR text" once it has stored the file, and a GET with
// "SIZE HEX-SHA256" then the bytes, or "ERR text".

// serveRawFiles serves the raw TCP file protocol on ln until it closes.
func serveRawFiles(ln net.Listener, store *filesvc.Store) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			if err := rawServe(c, store); err != nil {
				fmt.Fprintf(c, "ERR %v\n", err)
			}
		}()
	}
}

func rawServe(c net.Conn, store *filesvc.Store) error {
	br := bufio.NewReaderSize(c, filesvc.ChunkSize)
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	f := strings.Fields(line)
	switch {
	case len(f) == 3 && f[0] == "PUT":
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return err
		}
		up, err := store.BeginUpload(&filespb.UploadHeader{Name: f[1], Size: size})
		if err != nil {
			return err
		}
		defer up.Abandon(false)
		buf := make([]byte, filesvc.ChunkSize)
		for left := size; left > 0; {
			n, err := io.ReadFull(br, buf[:min(int64(len(buf)), left)])
			if err != nil {
				return err
			}
			if err := up.Write(buf[:n]); err != nil {
				return err
			}
			left -= int64(n)
		}
		sum := make([]byte, sha256.Size)
		if _, err := io.ReadFull(br, sum); err != nil {
			return err
		}
		fi, err := up.Finish(sum)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c, "OK %x\n", fi.GetSha256())
		return err
	case len(f) == 2 && f[0] == "GET":
		file, fi, err := store.Open(f[1], 0)
		if err != nil {
			return err
		}
		defer file.Close()
		if _, err := fmt.Fprintf(c, "%d %x\n", fi.GetSize(), fi.GetSha256()); err != nil {
			return err
		}
		return copyChunks(c, file, fi.GetSize(), nil)
	}
	return fmt.Errorf("bad request %q", line)
}

// rawPut uploads path as name over the raw TCP file protocol.
func rawPut(addr, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "PUT %s %d\n", name, fi.Size()); err != nil {
		return err
	}
	h := sha256.New()
	if err := copyChunks(c, f, fi.Size(), h); err != nil {
		return err
	}
	sum := h.Sum(nil)
	if _, err := c.Write(sum); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if want := "OK " + hex.EncodeToString(sum) + "\n"; line != want {
		return fmt.Errorf("the server answered %q, want %q", line, want)
	}
	return nil
}

// rawGet downloads name into out over the raw TCP file protocol.
func rawGet(addr, name, out string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET %s\n", name); err != nil {
		return err
	}
	br := bufio.NewReaderSize(c, filesvc.ChunkSize)
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	var size int64
	var want string
	if _, err := fmt.Sscanf(line, "%d %s", &size, &want); err != nil {
		return fmt.Errorf("the server answered %q", line)
	}
	f, err := os.Create(out + ".part")
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if err := copyChunks(f, br, size, h); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("received SHA-256 %s, not the server's %s", got, want)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(out+".part", out)
}

// copyChunks copies n bytes from src to dst in reads and writes of
// filesvc.ChunkSize, as the gRPC clients and servers do (io.Copy would use
// sendfile or splice where it can, a kernel path no gRPC stack has),
// hashing them into h when it is not nil.
func copyChunks(dst io.Writer, src io.Reader, n int64, h hash.Hash) error {
	buf := make([]byte, filesvc.ChunkSize)
	for n > 0 {
		k, err := io.ReadFull(src, buf[:min(int64(len(buf)), n)])
		if err != nil {
			return err
		}
		if h != nil {
			h.Write(buf[:k])
		}
		if _, err := dst.Write(buf[:k]); err != nil {
			return err
		}
		n -= int64(k)
	}
	return nil
}

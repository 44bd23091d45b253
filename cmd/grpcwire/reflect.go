package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"grpcwire/client"
	rpb "grpcwire/reflection/grpc_reflection_v1"
	// The v1alpha messages are the v1 messages under another package name:
	// the command sends v1's Go types on either path. Linking v1alpha's
	// generated code lets the frame trace decode a v1alpha stream too.
	_ "grpcwire/reflection/grpc_reflection_v1alpha"
	"grpcwire/wire"
)

// The reflection methods, newest first: grpc/grpc doc/server-reflection.md
// names grpc.reflection.v1; servers older than it (and some still) offer
// only grpc.reflection.v1alpha, with the same messages.
var reflectionMethods = []string{
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
}

// reflectionSource learns the server's services through server reflection:
// one bidi call, opened on the first question and kept for the run, whose
// requests the server answers one by one, in order.
//
// It is used by one goroutine at a time.
type reflectionSource struct {
	conn *client.Conn
	addr string
	md   wire.Metadata      // -H metadata, sent on the reflection call too
	hint func(error) string // what to try when the connection fails; "" when it did not

	ctx    context.Context // the call's; cancel ends it
	cancel context.CancelFunc
	stream client.ClientStream // nil until the first question
	method int                 // index in reflectionMethods of the one in use

	files  *protoregistry.Files                         // built so far
	protos map[string]*descriptorpb.FileDescriptorProto // received, by path
}

// newReflectionSource returns a source asking the server at conn, which it
// owns: Close closes it.
func newReflectionSource(ctx context.Context, conn *client.Conn, addr string, md wire.Metadata, hint func(error) string) *reflectionSource {
	ctx, cancel := context.WithCancel(ctx)
	return &reflectionSource{
		conn:   conn,
		addr:   addr,
		md:     md,
		hint:   hint,
		ctx:    ctx,
		cancel: cancel,
		files:  new(protoregistry.Files),
		protos: map[string]*descriptorpb.FileDescriptorProto{},
	}
}

// errNoReflection is a server that offers neither reflection service.
type errNoReflection struct{ addr string }

func (e *errNoReflection) Error() string {
	return fmt.Sprintf("the server at %s does not offer server reflection (grpc.reflection.v1 or v1alpha answered UNIMPLEMENTED): "+
		"give its services' .proto files with -proto (and -I), or a protoset with -protoset", e.addr)
}

// ask sends one question and returns the answer, opening the call (v1,
// then v1alpha if the server does not know v1) on the first question.
func (s *reflectionSource) ask(req *rpb.ServerReflectionRequest) (*rpb.ServerReflectionResponse, error) {
	for {
		if s.stream == nil {
			st, err := s.conn.NewStream(s.ctx, &client.StreamDesc{ClientStreams: true, ServerStreams: true},
				reflectionMethods[s.method], client.WithMetadata(s.md))
			if err != nil {
				return nil, s.failed(err)
			}
			s.stream = st
		}
		res := new(rpb.ServerReflectionResponse)
		err := s.stream.SendMsg(req)
		if err == nil {
			err = s.stream.RecvMsg(res)
		} else if errors.Is(err, io.EOF) {
			// The server ended the call; RecvMsg has its status.
			err = s.stream.RecvMsg(res)
		}
		if err == nil {
			return res, nil
		}
		if errors.Is(err, io.EOF) {
			err = errors.New("the server ended the reflection call without answering")
		}
		s.stream = nil
		if wire.CodeOf(err) == wire.Unimplemented && s.method+1 < len(reflectionMethods) {
			s.method++
			continue
		}
		if wire.CodeOf(err) == wire.Unimplemented {
			return nil, &errNoReflection{addr: s.addr}
		}
		return nil, s.failed(err)
	}
}

// failed words a failure of the reflection call.
func (s *reflectionSource) failed(err error) error {
	if st := wire.StatusOf(err); st != nil {
		if hint := s.hint(st); hint != "" {
			return fmt.Errorf("server reflection at %s failed: %s\n%s", s.addr, statusLine(st), hint)
		}
		return fmt.Errorf("server reflection at %s failed: %s", s.addr, statusLine(st))
	}
	return fmt.Errorf("server reflection at %s failed: %w", s.addr, err)
}

// answerError turns an ErrorResponse into an error.
func (s *reflectionSource) answerError(res *rpb.ServerReflectionResponse, what protoreflect.FullName) error {
	e := res.GetErrorResponse()
	if e == nil {
		return nil
	}
	if wire.Code(e.GetErrorCode()) == wire.NotFound && what != "" {
		return &errNotFound{name: what, from: "the server's reflection"}
	}
	return fmt.Errorf("server reflection at %s answered %s", s.addr, statusLine(wire.NewStatus(wire.Code(e.GetErrorCode()), e.GetErrorMessage())))
}

// Services asks for the list of services.
func (s *reflectionSource) Services(ctx context.Context) ([]protoreflect.FullName, error) {
	res, err := s.ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{ListServices: "*"}})
	if err != nil {
		return nil, err
	}
	if err := s.answerError(res, ""); err != nil {
		return nil, err
	}
	ls := res.GetListServicesResponse()
	if ls == nil {
		return nil, fmt.Errorf("server reflection at %s answered list_services with something else", s.addr)
	}
	var names []protoreflect.FullName
	for _, svc := range ls.GetService() {
		names = append(names, protoreflect.FullName(svc.GetName()))
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// FindSymbol returns the descriptor called name, asking the server for the
// file that declares it (file_containing_symbol) when it is not among the
// files loaded so far. A name the server does not know may be a method,
// field or enum value, which not every server looks up: then the file of
// its parent is asked for.
func (s *reflectionSource) FindSymbol(ctx context.Context, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := s.files.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	if !name.IsValid() {
		return nil, fmt.Errorf("%q is not a full name of a protobuf symbol (package.Name)", name)
	}
	for sym := name; sym != ""; sym = sym.Parent() {
		res, err := s.ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: string(sym)}})
		if err != nil {
			return nil, err
		}
		var nf *errNotFound
		if err := s.answerError(res, sym); errors.As(err, &nf) {
			continue
		} else if err != nil {
			return nil, err
		}
		if err := s.load(res); err != nil {
			return nil, err
		}
		break
	}
	d, err := s.files.FindDescriptorByName(name)
	if err != nil {
		return nil, &errNotFound{name: name, from: "the server's reflection"}
	}
	return d, nil
}

// load builds the files of a file_descriptor_response, fetching the
// imports it lacks.
func (s *reflectionSource) load(res *rpb.ServerReflectionResponse) error {
	if res.GetFileDescriptorResponse() == nil {
		return fmt.Errorf("server reflection at %s answered a file question with something else", s.addr)
	}
	paths, err := s.loadProtos(res)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if _, err := s.file(p, nil); err != nil {
			return err
		}
	}
	return nil
}

// file returns the built file of path, building its imports first and
// asking the server (file_by_filename) for files it has not sent. A file
// the server will not give but that this program links (the well-known
// types of google/protobuf) is taken from protoregistry.GlobalFiles.
// building holds the paths being built further up, to report an import
// cycle instead of recursing forever.
func (s *reflectionSource) file(path string, building []string) (protoreflect.FileDescriptor, error) {
	if fd, err := s.files.FindFileByPath(path); err == nil {
		return fd, nil
	}
	if slices.Contains(building, path) {
		return nil, fmt.Errorf("server reflection at %s sent files that import each other: %v", s.addr, append(building, path))
	}
	fdp, ok := s.protos[path]
	if !ok {
		res, err := s.ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileByFilename{FileByFilename: path}})
		if err != nil {
			return nil, err
		}
		if res.GetErrorResponse() == nil {
			if _, err := s.loadProtos(res); err != nil {
				return nil, err
			}
		}
		if fdp, ok = s.protos[path]; !ok {
			if fd, err := protoregistry.GlobalFiles.FindFileByPath(path); err == nil {
				if err := s.files.RegisterFile(fd); err != nil {
					return nil, fmt.Errorf("the file %s: %v", path, err)
				}
				return fd, nil
			}
			return nil, fmt.Errorf("server reflection at %s does not give the file %s, which another of its files imports", s.addr, path)
		}
	}
	for _, dep := range fdp.GetDependency() {
		if _, err := s.file(dep, append(building, path)); err != nil {
			return nil, err
		}
	}
	fd, err := protodesc.NewFile(fdp, s.files)
	if err != nil {
		return nil, fmt.Errorf("server reflection at %s sent the file %s, which does not build: %v", s.addr, path, err)
	}
	if err := s.files.RegisterFile(fd); err != nil {
		return nil, fmt.Errorf("server reflection at %s sent the file %s, which conflicts with another: %v", s.addr, path, err)
	}
	return fd, nil
}

// loadProtos keeps the FileDescriptorProtos of an answer without building
// them, and returns their paths.
func (s *reflectionSource) loadProtos(res *rpb.ServerReflectionResponse) ([]string, error) {
	var paths []string
	for _, b := range res.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fdp); err != nil {
			return nil, fmt.Errorf("server reflection at %s sent a FileDescriptorProto that does not parse: %v", s.addr, err)
		}
		if _, ok := s.protos[fdp.GetName()]; !ok {
			s.protos[fdp.GetName()] = fdp
		}
		paths = append(paths, fdp.GetName())
	}
	return paths, nil
}

// Files returns the files built so far.
func (s *reflectionSource) Files() *protoregistry.Files { return s.files }

// Close ends the reflection call, half-closing it so that the server ends
// it with OK, and closes the connection.
func (s *reflectionSource) Close() error {
	if s.stream != nil {
		_ = s.stream.CloseSend()
		// The server answers the half-close with its trailers; reading them
		// ends the call cleanly instead of resetting it.
		var res rpb.ServerReflectionResponse
		for s.stream.RecvMsg(&res) == nil {
		}
		s.stream = nil
	}
	s.cancel()
	return s.conn.Close()
}

package reflection

import (
	"io"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	v1 "grpcwire/reflection/grpc_reflection_v1"
	v1alpha "grpcwire/reflection/grpc_reflection_v1alpha"
	"grpcwire/server"
	"grpcwire/wire"
)

// Server answers reflection questions about one grpcwire server. Make it
// with Register, or with New to register it under other conditions.
type Server struct {
	srv   *server.Server
	files *protoregistry.Files // fallback for files and symbols outside the services' files
	types *protoregistry.Types // for extension questions
}

// New returns a reflection server that answers for srv, finding files and
// symbols not reachable from srv's services in protoregistry.GlobalFiles
// and extensions in protoregistry.GlobalTypes.
func New(srv *server.Server) *Server {
	return &Server{srv: srv, files: protoregistry.GlobalFiles, types: protoregistry.GlobalTypes}
}

// Register adds grpc.reflection.v1.ServerReflection and
// grpc.reflection.v1alpha.ServerReflection to s and returns the server
// behind both. Services registered on s later are answered for too.
func Register(s *server.Server) *Server {
	r := New(s)
	v1.RegisterServerReflectionServer(s, v1Service{r})
	v1alpha.RegisterServerReflectionServer(s, v1alphaService{r})
	return r
}

// v1Service is the v1 service.
type v1Service struct {
	r *Server
}

// ServerReflectionInfo answers each request of the stream in order.
func (s v1Service) ServerReflectionInfo(stream server.BidiStreamingServer[v1.ServerReflectionRequest, v1.ServerReflectionResponse]) error {
	sent := make(map[string]bool)
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := s.r.answer(req, sent)
		if err != nil {
			return err
		}
		if err := stream.Send(res); err != nil {
			return err
		}
	}
}

// v1alphaService is the v1alpha service. Its messages are field for field
// those of v1, so each request is carried over to v1 through its wire form
// and each response back the same way.
type v1alphaService struct {
	r *Server
}

// ServerReflectionInfo answers each request of the stream in order.
func (s v1alphaService) ServerReflectionInfo(stream server.BidiStreamingServer[v1alpha.ServerReflectionRequest, v1alpha.ServerReflectionResponse]) error {
	sent := make(map[string]bool)
	for {
		alphaReq, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		req := new(v1.ServerReflectionRequest)
		if err := convert(alphaReq, req); err != nil {
			return err
		}
		res, err := s.r.answer(req, sent)
		if err != nil {
			return err
		}
		alphaRes := new(v1alpha.ServerReflectionResponse)
		if err := convert(res, alphaRes); err != nil {
			return err
		}
		if err := stream.Send(alphaRes); err != nil {
			return err
		}
	}
}

// convert copies a message into another of the same wire form.
func convert(from, to proto.Message) error {
	b, err := proto.Marshal(from)
	if err == nil {
		err = proto.Unmarshal(b, to)
	}
	if err != nil {
		return wire.Errorf(wire.Internal, "reflection: cannot convert %s to %s: %v", from.ProtoReflect().Descriptor().FullName(), to.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// answer answers one request. sent holds the files already sent on this
// stream, which are not sent again: a client keeps what it was sent, as
// grpc-go's reflection service expects too. A request that asks nothing
// ends the stream with INVALID_ARGUMENT; one that cannot be answered gets
// an ErrorResponse and the stream goes on.
func (r *Server) answer(req *v1.ServerReflectionRequest, sent map[string]bool) (*v1.ServerReflectionResponse, error) {
	res := &v1.ServerReflectionResponse{ValidHost: req.GetHost(), OriginalRequest: req}
	var files []protoreflect.FileDescriptor
	var err error
	switch q := req.GetMessageRequest().(type) {
	case *v1.ServerReflectionRequest_ListServices:
		res.MessageResponse = &v1.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: r.listServices()}
		return res, nil
	case *v1.ServerReflectionRequest_FileByFilename:
		files, err = r.fileByFilename(q.FileByFilename)
	case *v1.ServerReflectionRequest_FileContainingSymbol:
		files, err = r.fileContainingSymbol(q.FileContainingSymbol)
	case *v1.ServerReflectionRequest_FileContainingExtension:
		files, err = r.fileContainingExtension(q.FileContainingExtension.GetContainingType(), q.FileContainingExtension.GetExtensionNumber())
	case *v1.ServerReflectionRequest_AllExtensionNumbersOfType:
		var nums *v1.ExtensionNumberResponse
		if nums, err = r.extensionNumbers(q.AllExtensionNumbersOfType); err == nil {
			res.MessageResponse = &v1.ServerReflectionResponse_AllExtensionNumbersResponse{AllExtensionNumbersResponse: nums}
			return res, nil
		}
	default:
		return nil, wire.Errorf(wire.InvalidArgument, "reflection: the request asks nothing (message_request is not set)")
	}
	if err != nil {
		st := wire.StatusOf(err)
		res.MessageResponse = &v1.ServerReflectionResponse_ErrorResponse{ErrorResponse: &v1.ErrorResponse{
			ErrorCode:    int32(st.Code),
			ErrorMessage: st.Message,
		}}
		return res, nil
	}
	fdr, err := encodeFiles(files, sent)
	if err != nil {
		return nil, err
	}
	res.MessageResponse = &v1.ServerReflectionResponse_FileDescriptorResponse{FileDescriptorResponse: fdr}
	return res, nil
}

// listServices names every service registered on the server.
func (r *Server) listServices() *v1.ListServiceResponse {
	out := &v1.ListServiceResponse{}
	for _, d := range r.srv.Services() {
		out.Service = append(out.Service, &v1.ServiceResponse{Name: d.Name})
	}
	return out
}

// serviceFiles returns a registry of the files that declare the server's
// services and every file they import, directly or not.
func (r *Server) serviceFiles() *protoregistry.Files {
	reg := new(protoregistry.Files)
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if _, err := reg.FindFileByPath(fd.Path()); err == nil {
			return
		}
		// Two files declaring one name would be the application's bug;
		// the first one wins, and the fallback registry answers the rest.
		_ = reg.RegisterFile(fd)
		imports := fd.Imports()
		for i := range imports.Len() {
			add(imports.Get(i).FileDescriptor)
		}
	}
	for _, d := range r.srv.Services() {
		if d.Descriptor != nil {
			add(d.Descriptor.ParentFile())
		}
	}
	return reg
}

// fileByFilename finds a file by its path, the name the proto compiler
// gave it.
func (r *Server) fileByFilename(name string) ([]protoreflect.FileDescriptor, error) {
	fd, err := r.serviceFiles().FindFileByPath(name)
	if err != nil {
		fd, err = r.files.FindFileByPath(name)
	}
	if err != nil {
		return nil, wire.Errorf(wire.NotFound, "reflection: no file named %q", name)
	}
	return withImports(fd), nil
}

// fileContainingSymbol finds the file declaring a fully qualified name.
func (r *Server) fileContainingSymbol(name string) ([]protoreflect.FileDescriptor, error) {
	full := protoreflect.FullName(name)
	if !full.IsValid() {
		return nil, wire.Errorf(wire.NotFound, "reflection: %q is not a valid fully qualified name", name)
	}
	d, err := r.serviceFiles().FindDescriptorByName(full)
	if err != nil {
		d, err = r.files.FindDescriptorByName(full)
	}
	if err != nil {
		return nil, wire.Errorf(wire.NotFound, "reflection: no symbol named %q", name)
	}
	return withImports(d.ParentFile()), nil
}

// fileContainingExtension finds the file declaring an extension.
func (r *Server) fileContainingExtension(typ string, num int32) ([]protoreflect.FileDescriptor, error) {
	xt, err := r.types.FindExtensionByNumber(protoreflect.FullName(typ), protoreflect.FieldNumber(num))
	if err != nil {
		return nil, wire.Errorf(wire.NotFound, "reflection: no extension %d of %q", num, typ)
	}
	return withImports(xt.TypeDescriptor().ParentFile()), nil
}

// extensionNumbers lists the known extension numbers of a message type.
func (r *Server) extensionNumbers(typ string) (*v1.ExtensionNumberResponse, error) {
	full := protoreflect.FullName(typ)
	if _, err := r.types.FindMessageByName(full); err != nil {
		if d, err := r.serviceFiles().FindDescriptorByName(full); err != nil || !isMessage(d) {
			return nil, wire.Errorf(wire.NotFound, "reflection: no message type named %q", typ)
		}
	}
	out := &v1.ExtensionNumberResponse{BaseTypeName: typ}
	r.types.RangeExtensionsByMessage(full, func(xt protoreflect.ExtensionType) bool {
		out.ExtensionNumber = append(out.ExtensionNumber, int32(xt.TypeDescriptor().Number()))
		return true
	})
	return out, nil
}

func isMessage(d protoreflect.Descriptor) bool {
	_, ok := d.(protoreflect.MessageDescriptor)
	return ok
}

// withImports returns fd followed by every file it imports, directly or
// not, each once, depth first.
func withImports(fd protoreflect.FileDescriptor) []protoreflect.FileDescriptor {
	var out []protoreflect.FileDescriptor
	seen := make(map[string]bool)
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		out = append(out, fd)
		imports := fd.Imports()
		for i := range imports.Len() {
			add(imports.Get(i).FileDescriptor)
		}
	}
	add(fd)
	return out
}

// encodeFiles serializes files as FileDescriptorProtos, leaving out those
// already sent on the stream. The first file, the one asked for, is always
// sent: a client asking again has a reason to.
func encodeFiles(files []protoreflect.FileDescriptor, sent map[string]bool) (*v1.FileDescriptorResponse, error) {
	out := &v1.FileDescriptorResponse{}
	for i, fd := range files {
		if i > 0 && sent[fd.Path()] {
			continue
		}
		if fd.IsPlaceholder() {
			return nil, wire.Errorf(wire.Internal, "reflection: %s imports %q, which is not linked into this program", files[0].Path(), fd.Path())
		}
		b, err := proto.Marshal(protodesc.ToFileDescriptorProto(fd))
		if err != nil {
			return nil, wire.Errorf(wire.Internal, "reflection: cannot serialize %s: %v", fd.Path(), err)
		}
		sent[fd.Path()] = true
		out.FileDescriptorProto = append(out.FileDescriptorProto, b)
	}
	return out, nil
}

var (
	_ v1.ServerReflectionServer      = v1Service{}
	_ v1alpha.ServerReflectionServer = v1alphaService{}
)

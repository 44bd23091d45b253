package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// fileSource describes the services from local files, for servers without
// reflection: .proto source (-proto, with -I), parsed and linked in pure Go
// by protocompile, and protosets (-protoset), FileDescriptorSets as protoc
// --descriptor_set_out --include_imports writes them.
type fileSource struct {
	files *protoregistry.Files
	// named are the files the flags named, whose services list shows.
	named []protoreflect.FileDescriptor
	// from says where the descriptors came from, for messages.
	from string
}

// newFileSource parses the files the flags name.
func newFileSource(ctx context.Context, o *options) (*fileSource, error) {
	s := &fileSource{files: new(protoregistry.Files)}
	var from []string
	if len(o.protoFiles) > 0 {
		fds, err := compileProtos(ctx, o.protoFiles, o.importPaths)
		if err != nil {
			return nil, err
		}
		for _, fd := range fds {
			if err := s.add(fd); err != nil {
				return nil, err
			}
		}
		s.named = append(s.named, fds...)
		from = append(from, "the -proto files")
	}
	for _, name := range o.protosets {
		fds, err := readProtoset(name, s.files)
		if err != nil {
			return nil, err
		}
		s.named = append(s.named, fds...)
		from = append(from, "the -protoset files")
	}
	s.from = strings.Join(from, " and ")
	return s, nil
}

// add registers fd and its imports, skipping files registered already.
func (s *fileSource) add(fd protoreflect.FileDescriptor) error {
	if _, err := s.files.FindFileByPath(fd.Path()); err == nil {
		return nil
	}
	imports := fd.Imports()
	for i := range imports.Len() {
		if err := s.add(imports.Get(i).FileDescriptor); err != nil {
			return err
		}
	}
	if err := s.files.RegisterFile(fd); err != nil {
		return fmt.Errorf("%s: %v", fd.Path(), err)
	}
	return nil
}

// compileProtos parses and links the .proto files names with protocompile,
// finding them and their imports in importPaths (the current directory when
// there is none), as protoc -I does. The well-known types
// (google/protobuf/*.proto) are built in. Source info is kept, so describe
// shows the files' comments.
func compileProtos(ctx context.Context, names, importPaths []string) ([]protoreflect.FileDescriptor, error) {
	if len(importPaths) == 0 {
		importPaths = []string{"."}
	}
	rel := make([]string, 0, len(names))
	for _, n := range names {
		r, err := relativeToImportPath(n, importPaths)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(rel, r) {
			rel = append(rel, r)
		}
	}
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: importPaths}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	res, err := c.Compile(ctx, rel...)
	if err != nil {
		// protocompile names the file, and the line and column of a
		// syntax or type error.
		return nil, fmt.Errorf("-proto: %v", err)
	}
	fds := make([]protoreflect.FileDescriptor, len(res))
	for i, f := range res {
		fds[i] = f
	}
	return fds, nil
}

// relativeToImportPath turns a -proto name into the path protocompile looks
// up in the import paths: a file given by its path on disk (under an -I
// directory, as in -I protos -proto protos/users.proto) becomes relative to
// that directory, as protoc makes it; any other name is taken as relative
// to the import paths already.
func relativeToImportPath(name string, importPaths []string) (string, error) {
	if _, err := os.Stat(name); err != nil {
		return filepath.ToSlash(name), nil
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	for _, dir := range importPaths {
		d, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		if r, err := filepath.Rel(d, abs); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(r), nil
		}
	}
	return "", fmt.Errorf("-proto %s is not inside any -I directory (%s): imports are found relative to those, so add its directory with -I",
		name, strings.Join(importPaths, ", "))
}

// readProtoset reads a FileDescriptorSet and builds its files into files,
// which may hold files of other sets or of -proto already. It returns the
// files of the set.
func readProtoset(name string, files *protoregistry.Files) ([]protoreflect.FileDescriptor, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("-protoset: %w", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("-protoset %s is not a serialized FileDescriptorSet: %v", name, err)
	}
	byPath := map[string]*descriptorpb.FileDescriptorProto{}
	for _, f := range set.GetFile() {
		byPath[f.GetName()] = f
	}
	var out []protoreflect.FileDescriptor
	var build func(path string, building []string) (protoreflect.FileDescriptor, error)
	build = func(path string, building []string) (protoreflect.FileDescriptor, error) {
		if fd, err := files.FindFileByPath(path); err == nil {
			return fd, nil
		}
		if slices.Contains(building, path) {
			return nil, fmt.Errorf("-protoset %s: files import each other: %v", name, append(building, path))
		}
		fdp, ok := byPath[path]
		if !ok {
			// The well-known types are linked into this program.
			if fd, err := protoregistry.GlobalFiles.FindFileByPath(path); err == nil {
				return fd, files.RegisterFile(fd)
			}
			return nil, fmt.Errorf("-protoset %s lacks %s, which one of its files imports: write it with protoc --include_imports", name, path)
		}
		for _, dep := range fdp.GetDependency() {
			if _, err := build(dep, append(building, path)); err != nil {
				return nil, err
			}
		}
		fd, err := protodesc.NewFile(fdp, files)
		if err != nil {
			return nil, fmt.Errorf("-protoset %s: %s: %v", name, path, err)
		}
		if err := files.RegisterFile(fd); err != nil {
			return nil, fmt.Errorf("-protoset %s: %s: %v", name, path, err)
		}
		return fd, nil
	}
	for _, f := range set.GetFile() {
		fd, err := build(f.GetName(), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, fd)
	}
	return out, nil
}

// Services returns the services of the files the flags named.
func (s *fileSource) Services(context.Context) ([]protoreflect.FullName, error) {
	return servicesOf(s.named), nil
}

// FindSymbol looks name up among the files.
func (s *fileSource) FindSymbol(_ context.Context, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	d, err := s.files.FindDescriptorByName(name)
	if err != nil {
		return nil, &errNotFound{name: name, from: s.from}
	}
	return d, nil
}

// Files returns the files.
func (s *fileSource) Files() *protoregistry.Files { return s.files }

// Close does nothing: the files are in memory.
func (s *fileSource) Close() error { return nil }

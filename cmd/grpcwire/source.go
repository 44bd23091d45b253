package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// A source describes the server's services: server reflection, or local
// .proto files and protosets. Everything the command does with messages
// (build requests from JSON, print responses, describe) goes through the
// descriptors a source returns, as dynamicpb messages: the command has no
// generated code of the server's services.
type source interface {
	// Services returns the full names of the services, sorted.
	Services(ctx context.Context) ([]protoreflect.FullName, error)
	// FindSymbol returns the descriptor of a service, method, message,
	// enum, enum value, field or extension, by full name.
	FindSymbol(ctx context.Context, name protoreflect.FullName) (protoreflect.Descriptor, error)
	// Files are the files loaded so far, each with its imports.
	Files() *protoregistry.Files
	// Close ends what the source holds open (the reflection call).
	Close() error
}

// errNotFound is what a source returns for a name it does not know.
type errNotFound struct {
	name protoreflect.FullName
	from string // where it was looked for: "the server's reflection", "the -proto files"
}

func (e *errNotFound) Error() string {
	return fmt.Sprintf("symbol %s not found in %s", e.name, e.from)
}

// findMethod resolves the method a call names: "package.Service/Method",
// also written "/package.Service/Method" (a :path) or
// "package.Service.Method" (a full name).
func findMethod(ctx context.Context, src source, name string) (protoreflect.MethodDescriptor, error) {
	svc, method, err := splitMethodName(name)
	if err != nil {
		return nil, err
	}
	d, err := src.FindSymbol(ctx, svc)
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a service", svc, kindOf(d))
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		var names []string
		for i := range sd.Methods().Len() {
			names = append(names, string(sd.Methods().Get(i).Name()))
		}
		return nil, fmt.Errorf("service %s has no method %s; its methods: %s", svc, method, strings.Join(names, ", "))
	}
	return md, nil
}

// splitMethodName splits the method a call names into the service's full
// name and the method's name. It accepts "package.Service/Method", the
// :path "/package.Service/Method", and the full name
// "package.Service.Method".
func splitMethodName(name string) (protoreflect.FullName, protoreflect.Name, error) {
	svc, method, ok := strings.Cut(strings.TrimPrefix(name, "/"), "/")
	if !ok {
		i := strings.LastIndexByte(name, '.')
		if i <= 0 {
			return "", "", fmt.Errorf("%q names no method: write SERVICE/METHOD, as in users.Users/CreateUser", name)
		}
		svc, method = name[:i], name[i+1:]
	}
	if !protoreflect.FullName(svc).IsValid() || !protoreflect.Name(method).IsValid() {
		return "", "", fmt.Errorf("%q names no method: write SERVICE/METHOD with the service's full name, as in users.Users/CreateUser", name)
	}
	return protoreflect.FullName(svc), protoreflect.Name(method), nil
}

// kindOf names the kind of a descriptor for messages to people.
func kindOf(d protoreflect.Descriptor) string {
	switch d := d.(type) {
	case protoreflect.ServiceDescriptor:
		return "service"
	case protoreflect.MethodDescriptor:
		return "method"
	case protoreflect.MessageDescriptor:
		return "message"
	case protoreflect.EnumDescriptor:
		return "enum"
	case protoreflect.EnumValueDescriptor:
		return "enum value"
	case protoreflect.FieldDescriptor:
		if d.IsExtension() {
			return "extension"
		}
		return "field"
	case protoreflect.OneofDescriptor:
		return "oneof"
	case protoreflect.FileDescriptor:
		return "file"
	}
	return "descriptor"
}

// servicesOf returns the full names of the services of files, sorted.
func servicesOf(files []protoreflect.FileDescriptor) []protoreflect.FullName {
	var names []protoreflect.FullName
	for _, f := range files {
		for i := range f.Services().Len() {
			names = append(names, f.Services().Get(i).FullName())
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// typeResolver resolves the message types that google.protobuf.Any values
// name, for JSON in both directions and for status details: first among the
// files loaded so far, then by asking the source, which for reflection is
// one more question to the server.
type typeResolver struct {
	ctx context.Context
	src source
}

// FindMessageByName returns a dynamic type for the message called name.
func (r *typeResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	d, err := r.src.Files().FindDescriptorByName(name)
	if err != nil {
		d, err = r.src.FindSymbol(r.ctx, name)
	}
	if err != nil {
		return nil, protoregistry.NotFound
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, protoregistry.NotFound
	}
	return dynamicpb.NewMessageType(md), nil
}

// FindMessageByURL returns a dynamic type for the message a type URL
// names, "type.googleapis.com/package.Message".
func (r *typeResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	name := url
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		name = url[i+1:]
	}
	return r.FindMessageByName(protoreflect.FullName(name))
}

// FindExtensionByName returns an extension among the files loaded so far.
func (r *typeResolver) FindExtensionByName(field protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return dynamicpb.NewTypes(r.src.Files()).FindExtensionByName(field)
}

// FindExtensionByNumber returns an extension among the files loaded so far.
func (r *typeResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return dynamicpb.NewTypes(r.src.Files()).FindExtensionByNumber(message, field)
}

package trace

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// resolveMethod finds the request and response types of the method a :path
// names ("/package.Service/Method") in protoregistry.GlobalFiles, where the
// generated code of every .proto file linked into the program registers
// itself. When the method is unknown it returns nil types and the reason,
// worded for the trace's reader.
//
// With FindMethods, the Tracer's finder is asked first.
func (cfg *config) resolveMethod(path string) (req, res protoreflect.MessageType, why string) {
	svc, name, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || !strings.HasPrefix(path, "/") {
		return nil, nil, fmt.Sprintf("the :path %q is not of the form /package.Service/Method", path)
	}
	if cfg.findMethod != nil {
		md, ferr := cfg.findMethod(path)
		if ferr == nil && md != nil {
			return messageType(md.Input()), messageType(md.Output()), ""
		}
		if _, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc)); err != nil {
			// Neither knows the service: the finder's reason is the one
			// to show.
			if ferr == nil {
				ferr = fmt.Errorf("method %s not found", path)
			}
			return nil, nil, ferr.Error()
		}
	}
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil, nil, fmt.Sprintf("service %s is not in this program's protobuf registry", svc)
	}
	sd, ok := desc.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, nil, fmt.Sprintf("%s is not a service in this program's protobuf registry", svc)
	}
	md := sd.Methods().ByName(protoreflect.Name(name))
	if md == nil {
		return nil, nil, fmt.Sprintf("service %s has no method %s", svc, name)
	}
	return messageType(md.Input()), messageType(md.Output()), ""
}

// messageType returns the generated Go type of a message when the program
// has one (so it prints exactly as the program's own values do), and a
// dynamic type built from the descriptor otherwise.
func messageType(md protoreflect.MessageDescriptor) protoreflect.MessageType {
	if mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName()); err == nil {
		return mt
	}
	return dynamicpb.NewMessageType(md)
}

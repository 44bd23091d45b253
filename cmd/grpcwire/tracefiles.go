package main

import (
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// registerForTrace adds fd and its imports to protoregistry.GlobalFiles, so
// that the frame trace, which finds a stream's message types there from its
// :path, decodes the call's messages instead of showing only their
// prefixes. The command has no generated code of the server's services: the
// descriptors it learned at run time are all the trace can use.
//
// A file whose path or any of whose names the registry holds already is
// left out (registering it would panic): the program's own generated code
// won, and its descriptors for the same full names are what the trace uses.
func registerForTrace(fd protoreflect.FileDescriptor) {
	seen := map[string]bool{}
	var walk func(fd protoreflect.FileDescriptor)
	walk = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := range imports.Len() {
			walk(imports.Get(i).FileDescriptor)
		}
		if fd.IsPlaceholder() || conflictsWithGlobal(fd) {
			return
		}
		// Registration can still fail when a name is registered by
		// another goroutine between the check and here; the trace then
		// shows that file's messages by their prefixes only.
		_ = protoregistry.GlobalFiles.RegisterFile(fd)
	}
	walk(fd)
}

// conflictsWithGlobal reports whether registering fd in GlobalFiles would
// be refused: the path is taken, a name it declares at the top level is
// (by a descriptor or a package),
// or a component of its package names something other than a package.
func conflictsWithGlobal(fd protoreflect.FileDescriptor) bool {
	g := protoregistry.GlobalFiles
	if _, err := g.FindFileByPath(fd.Path()); err == nil {
		return true
	}
	for name := fd.Package(); name != ""; name = name.Parent() {
		if _, err := g.FindDescriptorByName(name); err == nil {
			return true
		}
	}
	// A name is taken by a descriptor or by a package (or a package's
	// parent, "google" of "google.protobuf"), which FindDescriptorByName
	// does not return.
	packages := map[protoreflect.FullName]bool{}
	g.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		for name := f.Package(); name != ""; name = name.Parent() {
			packages[name] = true
		}
		return true
	})
	taken := func(name protoreflect.FullName) bool {
		if packages[name] {
			return true
		}
		_, err := g.FindDescriptorByName(name)
		return err == nil
	}
	for i := range fd.Messages().Len() {
		if taken(fd.Messages().Get(i).FullName()) {
			return true
		}
	}
	for i := range fd.Enums().Len() {
		e := fd.Enums().Get(i)
		if taken(e.FullName()) {
			return true
		}
		for j := range e.Values().Len() {
			if taken(e.Values().Get(j).FullName()) {
				return true
			}
		}
	}
	for i := range fd.Extensions().Len() {
		if taken(fd.Extensions().Get(i).FullName()) {
			return true
		}
	}
	for i := range fd.Services().Len() {
		if taken(fd.Services().Get(i).FullName()) {
			return true
		}
	}
	return false
}

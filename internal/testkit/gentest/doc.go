// Package gentest is tooling for grpcwire's generated code: it rebuilds the
// source comments that embedded descriptors lack, so the stub generator can
// be run in-process on them, and it runs protoc with the pinned plugins to
// regenerate or cross-check the committed files. Nothing outside tests and
// go:generate uses it.
package gentest

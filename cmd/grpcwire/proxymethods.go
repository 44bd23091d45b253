package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// reflectionTimeout bounds one reflection lookup of the proxy. The trace,
// and so the forwarding of every connection, waits for it the first time a
// service is seen, so it is short; a server that does not answer in time
// gets its messages shown as bytes.
const reflectionTimeout = 3 * time.Second

// reflectionRetry is how long the proxy remembers that a service could not
// be looked up before asking again: long enough not to slow every call of
// a server without reflection, short enough to pick up a server restarted
// with it.
const reflectionRetry = 30 * time.Second

// methodFinder finds the method a stream's :path names, for the proxy's
// trace to decode the stream's messages: in the -proto/-protoset files, or
// through the target's server reflection on a connection of the proxy's
// own (not through the proxy, so never traced), opened on the first
// question and opened again after one timed out. Answers are kept for the
// run, failures for reflectionRetry.
type methodFinder struct {
	ctx        context.Context
	o          *options
	target     string
	reflection bool
	now        func() time.Time

	mu       sync.Mutex // held through a lookup: the trace asks one at a time anyway
	files    source     // the -proto/-protoset files, or nil
	refl     source     // the reflection source, nil until needed
	cancel   context.CancelFunc
	services map[protoreflect.FullName]protoreflect.ServiceDescriptor
	failed   map[protoreflect.FullName]failedLookup
}

// failedLookup is a service that could not be looked up.
type failedLookup struct {
	err error
	at  time.Time
}

// newMethodFinder returns the finder the flags ask for: the local files
// when given (read now, so that a mistake in them stops the proxy before it
// listens), else reflection unless turned off.
func newMethodFinder(ctx context.Context, o *options, target string, reflection bool) (*methodFinder, error) {
	m := &methodFinder{
		ctx: ctx, o: o, target: target, reflection: reflection, now: time.Now,
		services: map[protoreflect.FullName]protoreflect.ServiceDescriptor{},
		failed:   map[protoreflect.FullName]failedLookup{},
	}
	if o.usesFiles() {
		src, err := openSource(ctx, o, target, nil)
		if err != nil {
			return nil, err
		}
		m.files = src
	}
	return m, nil
}

// find returns the method of a :path, for trace.FindMethods.
func (m *methodFinder) find(path string) (protoreflect.MethodDescriptor, error) {
	svc, method, err := splitMethodName(path)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	sd, ok := m.services[svc]
	if !ok {
		if f, ok := m.failed[svc]; ok && m.now().Sub(f.at) < reflectionRetry {
			return nil, f.err
		}
		sd, err = m.lookup(svc)
		if err != nil {
			m.failed[svc] = failedLookup{err: err, at: m.now()}
			return nil, err
		}
		delete(m.failed, svc)
		m.services[svc] = sd
	}
	md := sd.Methods().ByName(method)
	if md == nil {
		return nil, fmt.Errorf("service %s has no method %s", svc, method)
	}
	return md, nil
}

// lookup finds a service's descriptor. Callers hold m.mu.
func (m *methodFinder) lookup(svc protoreflect.FullName) (protoreflect.ServiceDescriptor, error) {
	var d protoreflect.Descriptor
	var err error
	switch {
	case m.files != nil:
		d, err = m.files.FindSymbol(m.ctx, svc)
	case m.reflection:
		d, err = m.ask(svc)
	default:
		return nil, errors.New("the proxy runs with -reflection=false and no -proto or -protoset")
	}
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a service", svc, kindOf(d))
	}
	return sd, nil
}

// ask looks svc up through reflection, within reflectionTimeout. Callers
// hold m.mu.
func (m *methodFinder) ask(svc protoreflect.FullName) (protoreflect.Descriptor, error) {
	if m.refl == nil {
		ctx, cancel := context.WithCancel(m.ctx)
		src, err := openSource(ctx, m.o, m.target, nil)
		if err != nil {
			cancel()
			return nil, err
		}
		m.refl, m.cancel = src, cancel
	}
	type answer struct {
		d   protoreflect.Descriptor
		err error
	}
	done := make(chan answer, 1)
	src := m.refl
	go func() {
		d, err := src.FindSymbol(m.ctx, svc)
		done <- answer{d, err}
	}()
	timer := time.NewTimer(reflectionTimeout)
	defer timer.Stop()
	select {
	case a := <-done:
		return a.d, a.err
	case <-timer.C:
		// Cancelling the source's context ends the question; the source
		// is closed once its goroutine is done with it, and the next
		// question opens another.
		m.cancel()
		<-done
		m.closeReflection()
		return nil, fmt.Errorf("the server's reflection did not answer within %v", reflectionTimeout)
	}
}

// closeReflection closes the reflection source. Callers hold m.mu.
func (m *methodFinder) closeReflection() {
	if m.refl != nil {
		_ = m.refl.Close()
		m.cancel()
		m.refl, m.cancel = nil, nil
	}
}

// Close closes the sources.
func (m *methodFinder) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closeReflection()
	if m.files != nil {
		_ = m.files.Close()
	}
}

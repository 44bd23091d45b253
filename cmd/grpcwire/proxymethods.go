package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// reflectionTimeout bounds the proxy's reflection questions: the warm-up
// before it accepts connections, and each lookup after that. Neither ever
// holds up forwarding: the warm-up runs before the first connection is
// accepted (a client connecting meanwhile waits in the listen backlog), and
// a later lookup runs in the background while the stream that asked is
// shown with its messages as bytes.
//
// Variables, not constants, so that a test can stretch the lookups' bound
// and shorten the warm-up's.
var (
	reflectionTimeout = 3 * time.Second
	reflectionWarmup  = 3 * time.Second
)

// reflectionRetry is how long the proxy remembers that a service could not
// be looked up before asking again: long enough not to ask on every call of
// a server without reflection, short enough to pick up a server restarted
// with it.
const reflectionRetry = 30 * time.Second

// methodFinder finds the method a stream's :path names, for the proxy's
// trace to decode the stream's messages: in the -proto/-protoset files, or
// through the target's server reflection on a connection of the proxy's
// own (not through the proxy, so never traced).
//
// The trace asks from inside the forwarding path (the follower parses each
// chunk before it is passed on), so find never waits for the network: it
// answers from what is known. With reflection, warm learns every service
// the target lists before the proxy accepts connections, and a service not
// known yet is looked up in the background; its streams' messages are shown
// as bytes until the answer comes. Local files are read when the proxy
// starts, so their lookups are immediate.
type methodFinder struct {
	ctx        context.Context // ends at Close, which ends any question under way
	stop       context.CancelFunc
	o          *options
	target     string
	reflection bool
	now        func() time.Time

	files source // the -proto/-protoset files, or nil

	// askMu serialises the reflection questions and guards refl and
	// cancel; it is held across the network, so find never takes it.
	askMu  sync.Mutex
	refl   source // the reflection source, nil until needed
	cancel context.CancelFunc

	// mu guards the answers; it is never held across the network.
	mu       sync.Mutex
	services map[protoreflect.FullName]protoreflect.ServiceDescriptor
	failed   map[protoreflect.FullName]failedLookup
	pending  map[protoreflect.FullName]bool // background lookups under way
	// unasked is why the warm-up could not list the services (no
	// reflection, the target down): every service counts as failed with
	// it, for reflectionRetry.
	unasked *failedLookup
	closed  bool
	wg      sync.WaitGroup // the background lookups
}

// failedLookup is a service that could not be looked up.
type failedLookup struct {
	err error
	at  time.Time
}

// errLookingUp is find's answer while a service's lookup is under way.
var errLookingUp = errors.New("its types are being looked up through the server's reflection; until then this stream's messages are shown as bytes")

// newMethodFinder returns the finder the flags ask for: the local files
// when given (read now, so that a mistake in them stops the proxy before it
// listens), else reflection unless turned off.
func newMethodFinder(ctx context.Context, o *options, target string, reflection bool) (*methodFinder, error) {
	ctx, stop := context.WithCancel(ctx)
	m := &methodFinder{
		ctx: ctx, stop: stop, o: o, target: target, reflection: reflection, now: time.Now,
		services: map[protoreflect.FullName]protoreflect.ServiceDescriptor{},
		failed:   map[protoreflect.FullName]failedLookup{},
		pending:  map[protoreflect.FullName]bool{},
	}
	if o.usesFiles() {
		src, err := openSource(ctx, o, target, nil)
		if err != nil {
			stop()
			return nil, err
		}
		m.files = src
	}
	return m, nil
}

// usesReflection reports whether the finder asks the target.
func (m *methodFinder) usesReflection() bool { return m.files == nil && m.reflection }

// warm learns, within reflectionWarmup, every service the target's
// reflection lists, so that the first calls through the proxy are decoded.
// A target that is down or has no reflection is no error: its services are
// looked up again when a stream names them. It returns how many services it
// learnt.
func (m *methodFinder) warm() int {
	if !m.usesReflection() {
		return 0
	}
	m.askMu.Lock()
	defer m.askMu.Unlock()
	deadline := time.Now().Add(reflectionWarmup)
	var names []protoreflect.FullName
	err := m.askLocked(deadline, func(ctx context.Context, src source) error {
		var err error
		names, err = src.Services(ctx)
		return err
	})
	if err != nil {
		m.mu.Lock()
		m.unasked = &failedLookup{err: err, at: m.now()}
		m.mu.Unlock()
		return 0
	}
	n := 0
	for _, svc := range names {
		var sd protoreflect.ServiceDescriptor
		err := m.askLocked(deadline, func(ctx context.Context, src source) error {
			var err error
			sd, err = serviceOf(src.FindSymbol(ctx, svc))
			return err
		})
		if err != nil {
			if time.Now().After(deadline) {
				break
			}
			continue // the server lists a service it cannot describe
		}
		m.mu.Lock()
		m.services[svc] = sd
		m.mu.Unlock()
		n++
	}
	return n
}

// find returns the method of a :path, for trace.FindMethods. It never
// waits for the network (see methodFinder).
func (m *methodFinder) find(path string) (protoreflect.MethodDescriptor, error) {
	svc, method, err := splitMethodName(path)
	if err != nil {
		return nil, err
	}
	sd, err := m.service(svc)
	if err != nil {
		return nil, err
	}
	md := sd.Methods().ByName(method)
	if md == nil {
		return nil, fmt.Errorf("service %s has no method %s", svc, method)
	}
	return md, nil
}

// service returns a known service, looks it up in the local files, or
// starts its lookup through reflection and says so.
func (m *methodFinder) service(svc protoreflect.FullName) (protoreflect.ServiceDescriptor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sd, ok := m.services[svc]; ok {
		return sd, nil
	}
	if f, ok := m.failed[svc]; ok && m.now().Sub(f.at) < reflectionRetry {
		return nil, f.err
	}
	if f := m.unasked; f != nil && m.files == nil && m.reflection && m.now().Sub(f.at) < reflectionRetry {
		return nil, f.err
	}
	switch {
	case m.files != nil:
		sd, err := serviceOf(m.files.FindSymbol(m.ctx, svc))
		if err != nil {
			m.failed[svc] = failedLookup{err: err, at: m.now()}
			return nil, err
		}
		m.services[svc] = sd
		return sd, nil
	case !m.reflection:
		return nil, errors.New("the proxy runs with -reflection=false and no -proto or -protoset")
	}
	if !m.pending[svc] && !m.closed {
		m.pending[svc] = true
		m.wg.Add(1)
		go m.lookupInBackground(svc)
	}
	return nil, errLookingUp
}

// lookupInBackground asks reflection for svc and records the answer.
func (m *methodFinder) lookupInBackground(svc protoreflect.FullName) {
	defer m.wg.Done()
	m.askMu.Lock()
	var sd protoreflect.ServiceDescriptor
	err := m.askLocked(time.Now().Add(reflectionTimeout), func(ctx context.Context, src source) error {
		var err error
		sd, err = serviceOf(src.FindSymbol(ctx, svc))
		return err
	})
	m.askMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.pending, svc)
	if err != nil {
		m.failed[svc] = failedLookup{err: err, at: m.now()}
		return
	}
	delete(m.failed, svc)
	m.services[svc] = sd
}

// askLocked runs one reflection question by deadline, opening the
// reflection connection if needed and dropping it after a question that
// timed out (the next question opens another). Callers hold m.askMu.
func (m *methodFinder) askLocked(deadline time.Time, q func(context.Context, source) error) error {
	if m.refl == nil {
		ctx, cancel := context.WithCancel(m.ctx)
		src, err := openSource(ctx, m.o, m.target, nil)
		if err != nil {
			cancel()
			return err
		}
		m.refl, m.cancel = src, cancel
	}
	done := make(chan error, 1)
	src := m.refl
	ctx, cancel := context.WithDeadline(m.ctx, deadline)
	defer cancel()
	go func() { done <- q(ctx, src) }()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		// Cancelling the source's context ends the question; the source
		// is closed once its goroutine is done with it.
		m.cancel()
		<-done
		m.closeReflectionLocked()
		return fmt.Errorf("the server's reflection did not answer by %s", deadline.Format(time.TimeOnly))
	}
}

// serviceOf is the service descriptor of a lookup's answer.
func serviceOf(d protoreflect.Descriptor, err error) (protoreflect.ServiceDescriptor, error) {
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a service", d.FullName(), kindOf(d))
	}
	return sd, nil
}

// closeReflectionLocked closes the reflection source. Callers hold
// m.askMu.
func (m *methodFinder) closeReflectionLocked() {
	if m.refl != nil {
		_ = m.refl.Close()
		m.cancel()
		m.refl, m.cancel = nil, nil
	}
}

// Close waits for the background lookups and closes the sources.
func (m *methodFinder) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.stop() // ends a question under way
	m.wg.Wait()
	m.askMu.Lock()
	m.closeReflectionLocked()
	m.askMu.Unlock()
	if m.files != nil {
		_ = m.files.Close()
	}
}

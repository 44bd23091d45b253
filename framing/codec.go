package framing

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Codec compresses and decompresses whole messages for one grpc-encoding
// (PROTOCOL-HTTP2.md: Content-Coding → "identity" / "gzip" / "deflate" /
// "snappy" / {custom}). Each message is compressed on its own because
// "Compression contexts are NOT maintained over message boundaries".
// Implementations must be safe for concurrent use: one codec value serves every
// stream of a process.
type Codec interface {
	// Name returns the grpc-encoding token, e.g. "gzip".
	Name() string
	// AppendCompressed appends the compressed form of src to dst.
	AppendCompressed(dst, src []byte) ([]byte, error)
	// AppendDecompressed appends the decompressed form of src to dst. It must
	// fail with an error satisfying errors.As(err, *(*TooLargeError)) as soon
	// as the output would exceed limit bytes (limit < 0: no limit), without
	// ever allocating much past limit, so that a small compressed message
	// cannot make the receiver allocate gigabytes.
	AppendDecompressed(dst, src []byte, limit int) ([]byte, error)
}

// identityName is the grpc-encoding token that means "no compression".
const identityName = "identity"

// registry maps grpc-encoding tokens to codecs. Lookup runs for every stream,
// Register almost never, so readers load an immutable snapshot without a lock
// and writers copy it under mu.
var registry struct {
	mu       sync.Mutex
	snapshot atomic.Pointer[registrySnapshot]
}

type registrySnapshot struct {
	codecs map[string]Codec
	names  []string // sorted keys of codecs
}

func init() {
	registry.snapshot.Store(&registrySnapshot{
		codecs: map[string]Codec{identityName: Identity, gzipName: Gzip},
		names:  []string{gzipName, identityName},
	})
}

// Register makes c available to Lookup under c.Name(), replacing any codec
// registered under that name, so that a process can offer an encoding (or a
// faster implementation of gzip) to every stream. It is meant to be called
// from init functions. It panics when c is nil, its name is empty, or its name
// is "identity": identity is the absence of compression and always means
// Identity.
func Register(c Codec) {
	if c == nil {
		panic("grpcwire: framing.Register called with a nil Codec")
	}
	name := c.Name()
	if name == "" {
		panic("grpcwire: framing.Register called with a Codec whose Name is empty")
	}
	if name == identityName {
		panic(`grpcwire: framing.Register cannot replace "identity", which means no compression`)
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	old := registry.snapshot.Load()
	next := &registrySnapshot{codecs: make(map[string]Codec, len(old.codecs)+1)}
	for k, v := range old.codecs {
		next.codecs[k] = v
	}
	next.codecs[name] = c
	for k := range next.codecs {
		next.names = append(next.names, k)
	}
	slices.Sort(next.names)
	registry.snapshot.Store(next)
}

// Lookup returns the codec registered for the grpc-encoding token name, or nil
// when there is none (the caller then answers UNIMPLEMENTED with Names as the
// accepted list). Lookup("identity") returns Identity. Tokens are matched
// exactly; normalizing case is the header parser's job.
func Lookup(name string) Codec {
	return registry.snapshot.Load().codecs[name]
}

// Names returns the registered grpc-encoding tokens, "identity" included,
// sorted, ready to be joined with "," into grpc-accept-encoding. The slice is
// the caller's to keep.
func Names() []string {
	return slices.Clone(registry.snapshot.Load().names)
}

// isIdentity reports whether c means "send the bytes as they are": no codec,
// or a codec named "identity".
func isIdentity(c Codec) bool {
	return c == nil || c == Identity || c.Name() == identityName
}

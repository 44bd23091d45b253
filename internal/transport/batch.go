package transport

import (
	"net"

	"grpcwire/internal/bufpool"
)

// The writev batcher: the writer's frames gather here and leave in one
// writev per flush (batch.go is below the HTTP/2 level: it knows bytes).

// batchWriter gathers frames until the writer flushes, then writes them with
// one writev. Small writes (frame headers, HEADERS blocks, control frames)
// are copied into a pooled buffer; large DATA payloads are not copied at all:
// the batch refers to the message buffer itself, which is held until the
// flush. The pooled buffer goes back at each flush, so an idle connection
// holds no write buffer.
type batchWriter struct {
	nc       net.Conn
	sw       *socketWriter // nil: written with net.Buffers
	size     int           // size of a small-write buffer
	bp       *[]byte       // the small-write buffer being filled
	n        int           // bytes used in bp
	segStart int           // where bp's segment not yet in iov begins
	iov      net.Buffers
	out      net.Buffers // what Flush is writing (WriteTo consumes it)
	held     []*[]byte   // buffers to release after the flush
	pending  int         // bytes in the batch
	err      error
}

// Write copies p into the batch.
func (b *batchWriter) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	total := len(p)
	for len(p) > 0 {
		if b.bp == nil {
			b.bp = bufpool.Get(b.size)
			b.n, b.segStart = 0, 0
		}
		buf := (*b.bp)[:b.size]
		c := copy(buf[b.n:], p)
		b.n += c
		b.pending += c
		p = p[c:]
		if b.n == b.size {
			b.seal()
			b.held = append(b.held, b.bp)
			b.bp = nil
		}
	}
	if b.pending >= maxBatch {
		return total, b.Flush()
	}
	return total, nil
}

// writeRef adds p to the batch without copying it: p must stay unchanged
// until the next flush (its buffer goes to hold).
func (b *batchWriter) writeRef(p []byte) error {
	if b.err != nil {
		return b.err
	}
	if len(p) < refMin {
		_, err := b.Write(p)
		return err
	}
	b.seal()
	b.iov = append(b.iov, p)
	b.pending += len(p)
	if b.pending >= maxBatch || len(b.iov) >= maxBatchIOV {
		return b.Flush()
	}
	return nil
}

// seal moves the filled, not yet listed part of the small buffer into iov.
func (b *batchWriter) seal() {
	if b.bp != nil && b.n > b.segStart {
		b.iov = append(b.iov, (*b.bp)[b.segStart:b.n])
		b.segStart = b.n
	}
}

// hold keeps bp until the next flush, when it goes back to the pool: the
// batch may refer to it.
func (b *batchWriter) hold(bp *[]byte) {
	if bp != nil {
		b.held = append(b.held, bp)
	}
}

// buffered is how many bytes wait for the flush.
func (b *batchWriter) buffered() int { return b.pending }

// Flush writes the batch and returns every buffer to the pool.
func (b *batchWriter) Flush() error {
	if b.err != nil {
		b.release()
		return b.err
	}
	b.seal()
	if len(b.iov) > 0 {
		// WriteTo consumes the slice it is called on: a field, so that
		// neither b.iov's capacity nor an allocation is lost per flush.
		if b.sw != nil {
			b.err = b.sw.write(b.iov)
		} else {
			b.out = b.iov
			if _, err := b.out.WriteTo(b.nc); err != nil {
				b.err = err
			}
			b.out = nil
		}
	}
	b.release()
	return b.err
}

// release drops the batch and returns its buffers to the pool.
func (b *batchWriter) release() {
	clear(b.iov[:cap(b.iov)])
	b.iov = b.iov[:0]
	for i, bp := range b.held {
		bufpool.Put(bp)
		b.held[i] = nil
	}
	b.held = b.held[:0]
	if b.bp != nil {
		bufpool.Put(b.bp)
		b.bp = nil
	}
	b.n, b.segStart, b.pending = 0, 0, 0
}

package transport

import (
	"errors"
	"fmt"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// headerBlock is one HEADERS frame with its CONTINUATION frames, decoded.
// The engine assembles header blocks itself rather than through the
// Framer's ReadMetaHeaders so that it can bound how many CONTINUATION frames
// one block may take (an endless run of empty ones costs the peer nine bytes
// each and would otherwise hold the reader forever) and report each frame to
// an observer.
type headerBlock struct {
	http2.FrameHeader // of the HEADERS frame
	endStream         bool
	priority          http2.PriorityParam
	hasPriority       bool
	fields            []hpack.HeaderField
	// truncated: the header list exceeded our MAX_HEADER_LIST_SIZE and
	// fields is incomplete; the HPACK state is still in step.
	truncated     bool
	continuations int
	blockLen      int
}

// pseudoValue returns the value of the pseudo-header name (with its colon).
func (b *headerBlock) pseudoValue(name string) string {
	for _, f := range b.fields {
		if !f.IsPseudo() {
			return ""
		}
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// pseudoCount is how many pseudo-headers lead the block.
func (b *headerBlock) pseudoCount() int {
	for i, f := range b.fields {
		if !f.IsPseudo() {
			return i
		}
	}
	return len(b.fields)
}

// regularFields returns the fields after the pseudo-headers.
func (b *headerBlock) regularFields() []hpack.HeaderField { return b.fields[b.pseudoCount():] }

// blockDecoder is the reader's HPACK decoding state for the block being
// assembled; the decoder calls emit for every field. Fields go into a slab
// shared by the blocks of the connection, each block getting its own
// capped sub-slice, so that decoding a block of a few fields does not
// allocate every time; a new slab is made when one fills up (the old one is
// freed once the streams that use its blocks are gone).
type blockDecoder struct {
	slab       []hpack.HeaderField
	start      int    // where the current block begins in slab
	size       uint32 // header list size so far (RFC 9113 §6.5.2)
	limit      uint32
	truncated  bool
	sawRegular bool
	invalid    error // the first malformed field: a stream error
}

func (d *blockDecoder) reset(limit uint32) {
	d.start = len(d.slab)
	d.size, d.limit, d.truncated, d.sawRegular, d.invalid = 0, limit, false, false, nil
}

// finish returns the block's fields.
func (d *blockDecoder) finish() []hpack.HeaderField {
	f := d.slab[d.start:len(d.slab):len(d.slab)]
	d.start = len(d.slab)
	return f
}

// emit validates and keeps one decoded field (RFC 9113 §8.2 and §8.3).
func (d *blockDecoder) emit(f hpack.HeaderField) {
	if d.invalid != nil || d.truncated {
		return
	}
	if !httpguts.ValidHeaderFieldValue(f.Value) {
		// The value is not quoted: it may be sensitive.
		d.invalid = fmt.Errorf("invalid value in header field %q", f.Name)
		return
	}
	if f.IsPseudo() {
		if d.sawRegular {
			d.invalid = fmt.Errorf("pseudo-header %q after a regular header", f.Name)
			return
		}
	} else {
		d.sawRegular = true
		if !validFieldName(f.Name) {
			d.invalid = fmt.Errorf("invalid header field name %q", f.Name)
			return
		}
	}
	d.size += f.Size()
	if d.size > d.limit {
		d.truncated = true
		return
	}
	if len(d.slab) == cap(d.slab) {
		block := d.slab[d.start:]
		slab := make([]hpack.HeaderField, len(block), max(slabFields, 2*len(block)+1))
		copy(slab, block)
		d.slab, d.start = slab, 0
	}
	d.slab = append(d.slab, f)
}

// validFieldName reports whether name is a lowercase token (RFC 9113 §8.2.1:
// "A field name MUST NOT contain characters in the ranges 0x41 to 0x5a").
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !httpguts.IsTokenRune(r) || ('A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}

// checkPseudos applies RFC 9113 §8.3: only known pseudo-headers, none twice,
// and not request and response ones together.
func checkPseudos(fields []hpack.HeaderField) error {
	var request, response bool
	for i, f := range fields {
		if !f.IsPseudo() {
			break
		}
		switch f.Name {
		case ":method", ":path", ":scheme", ":authority", ":protocol":
			request = true
		case ":status":
			response = true
		default:
			return fmt.Errorf("unknown pseudo-header %q", f.Name)
		}
		for _, g := range fields[:i] {
			if g.Name == f.Name {
				return fmt.Errorf("duplicate pseudo-header %q", f.Name)
			}
		}
	}
	if request && response {
		return errors.New("request and response pseudo-headers mixed")
	}
	return nil
}

// maxContinuations bounds the CONTINUATION frames of one header block: a
// block that fits the header list limit needs at most twice that many bytes
// of HPACK (Huffman can only shrink it), and honest encoders fill frames; the
// margin is generous. More is a flood.
func (c *Conn) maxContinuations() int {
	return continuationSlack + int(2*c.cfg.MaxHeaderListSize/rfcMaxFrameSize)
}

// readHeaderBlock decodes the HEADERS frame hf and the CONTINUATION frames
// that follow it. Malformed fields give a stream error (the block is still
// decoded to keep the HPACK state in step); an HPACK failure, a flood of
// CONTINUATION frames or a block far over the size limit end the connection.
func (c *Conn) readHeaderBlock(b *headerBlock, frag []byte, ended bool) error {
	d := &c.hdrDec
	d.reset(c.cfg.MaxHeaderListSize)
	budget := 2*int64(c.cfg.MaxHeaderListSize) + int64(c.cfg.MaxFrameSize)
	for {
		b.blockLen += len(frag)
		if int64(b.blockLen) > budget {
			return connError{http2.ErrCodeEnhanceYourCalm, fmt.Sprintf("header block of more than %d bytes", budget)}
		}
		if _, err := c.hdec.Write(frag); err != nil {
			return connError{http2.ErrCodeCompression, "HPACK decoding failed: " + err.Error()}
		}
		if ended {
			break
		}
		if b.continuations >= c.maxContinuations() {
			return connError{http2.ErrCodeEnhanceYourCalm, fmt.Sprintf("more than %d CONTINUATION frames in one header block", c.maxContinuations())}
		}
		f, err := c.fr.ReadFrame()
		if err != nil {
			if ce, ok := c.frameError(err); ok {
				return ce
			}
			return c.readFailed(err)
		}
		cf, ok := f.(*http2.ContinuationFrame)
		if !ok {
			// The Framer's frame-order check makes this unreachable.
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("%s where a CONTINUATION was expected", f.Header().Type)}
		}
		b.continuations++
		frag = cf.HeaderBlockFragment()
		ended = cf.HeadersEnded()
	}
	if err := c.hdec.Close(); err != nil {
		return connError{http2.ErrCodeCompression, "HPACK block ended mid-field: " + err.Error()}
	}
	b.fields = d.finish()
	b.truncated = d.truncated
	b.Length = uint32(b.blockLen)
	if d.invalid != nil {
		return http2.StreamError{StreamID: b.StreamID, Code: http2.ErrCodeProtocol, Cause: d.invalid}
	}
	if err := checkPseudos(b.fields); err != nil {
		return http2.StreamError{StreamID: b.StreamID, Code: http2.ErrCodeProtocol, Cause: err}
	}
	return nil
}

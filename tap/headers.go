package tap

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/observe"
)

// headerBlock is a header block being decoded: a HEADERS (or PUSH_PROMISE)
// frame and the CONTINUATION frames after it. Its fragments go to the
// direction's HPACK decoder as they come, so no fragment is kept.
type headerBlock struct {
	ev      observe.FrameEvent // the first frame's; Length grows with each CONTINUATION
	fields  []hpack.HeaderField
	bytes   int    // names and values kept in fields
	dropped int    // fields decoded but not kept, over MaxHeaderFieldBytes
	problem string // what went wrong, if anything
}

// headers starts the header block of a HEADERS frame (section 6.2: Pad
// Length?, Exclusive, Stream Dependency and Weight with PRIORITY, the
// fragment, padding) or a PUSH_PROMISE frame (6.6: Pad Length?, Promised
// Stream ID, the fragment, padding).
func (d *Direction) headers(ev *observe.FrameEvent, p []byte) {
	h := ev.Header
	b := &headerBlock{ev: *ev, fields: d.reuseFields()}
	d.block = b
	padFlag := http2.FlagHeadersPadded
	if h.Type == http2.FramePushPromise {
		padFlag = http2.FlagPushPromisePadded
	}
	frag, problem := unpad(h, p, padFlag)
	switch {
	case problem != "":
	case h.Type == http2.FrameHeaders && h.Flags.Has(http2.FlagHeadersPriority):
		if len(frag) < 5 {
			problem = "PRIORITY, but the payload is too short for the 5 bytes of priority (a FRAME_SIZE_ERROR)"
		} else {
			frag = frag[5:]
		}
	case h.Type == http2.FramePushPromise:
		if len(frag) < 4 {
			problem = "a PUSH_PROMISE too short for its Promised Stream ID (a FRAME_SIZE_ERROR)"
		} else {
			promised := binary.BigEndian.Uint32(frag) & (1<<31 - 1)
			frag = frag[4:]
			// gRPC never pushes, and grpc's clients disable push; the
			// block is decoded all the same to keep the table in step.
			b.problem = fmt.Sprintf("a server push of stream %d, which gRPC never uses", promised)
		}
	}
	if problem != "" {
		// Where the fragment lies is unknown, so the table the real
		// receiver builds from it is unknown too.
		b.problem = problem
		d.breakHPACK("a header block could not be located in its frame")
	} else {
		d.decodeFragment(frag)
	}
	if h.StreamID == 0 && b.problem == "" {
		b.problem = fmt.Sprintf("a %s frame on stream 0 (a PROTOCOL_ERROR)", h.Type)
	}
	if h.Flags.Has(http2.FlagHeadersEndHeaders) { // the same bit for PUSH_PROMISE
		d.finishBlock()
	}
}

// continuation adds a CONTINUATION frame's fragment to the open block
// (section 6.10).
func (d *Direction) continuation(p []byte) {
	b := d.block
	b.ev.Continuations++
	b.ev.Header.Length += d.fh.Length
	d.decodeFragment(p)
	if d.fh.Flags.Has(http2.FlagContinuationEndHeaders) {
		d.finishBlock()
	}
}

// decodeFragment feeds one fragment of the open block to the decoder.
// Small fragments are gathered first: the decoder copies and parses again
// what it saved of a field cut between fragments on every Write, so a long
// field cut into many small CONTINUATION frames would cost the square of
// its length.
func (d *Direction) decodeFragment(frag []byte) {
	if d.hpackErr != "" {
		return
	}
	if len(d.pending) > 0 || len(frag) < hpackBatch {
		d.pending = append(d.pending, frag...)
		if len(d.pending) < hpackBatch {
			return
		}
		frag = d.pending
	}
	d.decode(frag)
	d.pending = d.pending[:0]
	if cap(d.pending) > 2*hpackBatch {
		d.pending = nil
	}
}

// flushFragments decodes the fragments gathered so far.
func (d *Direction) flushFragments() {
	if len(d.pending) > 0 && d.hpackErr == "" {
		d.decode(d.pending)
	}
	d.pending = d.pending[:0]
}

// decode feeds bytes of the open block to the decoder.
func (d *Direction) decode(frag []byte) {
	_, limit := d.f.limits(d.side)
	limit = min(limit, MaxHeaderTableSize)
	if limit != d.tableAllowed {
		// The other side's SETTINGS_HEADER_TABLE_SIZE bounds the table
		// size updates this side's encoder may send (RFC 7541 section
		// 4.2).
		d.dec.SetAllowedMaxDynamicTableSize(limit)
		d.tableAllowed = limit
	}
	if _, err := d.dec.Write(frag); err != nil {
		d.hpackFailed(err)
	}
}

// finishBlock ends the open block and tells the observer of it.
func (d *Direction) finishBlock() {
	d.flushFragments()
	if d.hpackErr == "" {
		if err := d.dec.Close(); err != nil {
			d.hpackFailed(err)
		}
	}
	b := d.block
	d.block = nil
	switch {
	case b.problem != "":
	case d.hpackErr != "" && len(b.fields) == 0:
		b.problem = "header fields not decoded: " + d.hpackErr
	case b.dropped > 0:
		b.problem = fmt.Sprintf("%d more header fields were decoded but are not shown: the follower keeps %d bytes of one block", b.dropped, MaxHeaderFieldBytes)
	}
	b.ev.Fields = b.fields
	b.ev.Problem = b.problem
	d.observe(&b.ev)
	d.keepFields(b.fields)
}

// hpackFailed records an HPACK error of the open block.
func (d *Direction) hpackFailed(err error) {
	why := "HPACK: " + strings.TrimPrefix(err.Error(), "decoding error: ")
	if strings.Contains(err.Error(), "size update too large") {
		why += fmt.Sprintf(" (above what the %s allows, or than the follower's limit of %d bytes)", d.peerName(), MaxHeaderTableSize)
	}
	if d.block != nil && d.block.problem == "" {
		d.block.problem = why + "; the fields before the error are shown"
	}
	d.breakHPACK("an HPACK error: " + why)
}

// breakHPACK gives up following this direction's dynamic table: after an
// error the table the real receiver holds is unknown. Later blocks are
// shown without their fields.
func (d *Direction) breakHPACK(why string) {
	if d.hpackErr == "" {
		d.hpackErr = "this direction's HPACK table was lost at " + why
	}
}

// emitField is the decoder's callback: it keeps one decoded field of the
// open block, within MaxHeaderFieldBytes.
func (d *Direction) emitField(f hpack.HeaderField) {
	b := d.block
	if b == nil {
		return
	}
	n := len(f.Name) + len(f.Value)
	if b.bytes+n > MaxHeaderFieldBytes {
		b.dropped++
		return
	}
	b.bytes += n
	b.fields = append(b.fields, f)
}

// maxKeptFields is the largest field slice a direction keeps for its next
// block.
const maxKeptFields = 64

// reuseFields returns the field slice of the last block, emptied: the
// event's slices are valid only during the observer's call.
func (d *Direction) reuseFields() []hpack.HeaderField {
	f := d.spare
	d.spare = nil
	return f[:0]
}

// keepFields keeps a block's field slice for the next block.
func (d *Direction) keepFields(f []hpack.HeaderField) {
	if cap(f) <= maxKeptFields {
		clear(f)
		d.spare = f
	}
}

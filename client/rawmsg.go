package client

import "io"

// RecvRawMsg receives the next response message without decoding it: it
// returns the message's protobuf encoding, decompressed if it came
// compressed, read into buf when cap(buf) is large enough and into a new
// slice otherwise. The slice belongs to the caller, who passes it back as
// buf to read the next message into the same memory.
//
// It is for callers that decode large messages themselves, with
// google.golang.org/protobuf/encoding/protowire, so as to use a bytes field
// where it lies: RecvMsg has protobuf copy every bytes field out of the
// message buffer into a slice of its own, one more copy of every byte of a
// file's chunk, and an allocation per message.
//
// Its results, io.EOF and the checks on the number of responses are
// RecvMsg's. Interceptors that wrap the stream do not see the messages
// received this way.
func (cs *Stream) RecvRawMsg(buf []byte) ([]byte, error) {
	if !cs.headerSeen.Load() {
		if err := cs.readHeader(); err != nil {
			return nil, err
		}
	}
	if cs.statusSet.Load() {
		if st := cs.finalStatus(); st != nil {
			return nil, cs.endWith(st)
		}
	}
	msg, _, err := cs.reader.ReadMessage(buf[:0])
	if err == io.EOF {
		return nil, cs.endWith(cs.noMoreMessages())
	}
	if err != nil {
		return nil, cs.endWith(cs.recvFailure(err))
	}
	cs.recvN++
	if !cs.desc.ServerStreams {
		if err := cs.recvEnd(); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

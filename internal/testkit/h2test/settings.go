package h2test

import "golang.org/x/net/http2"

// Handshake completes the connection preface exchange (RFC 9113 §3.4): it
// reads until the other side's SETTINGS frame (not an ACK) arrives, answers
// it with SETTINGS ACK, and returns it. SETTINGS ACK and WINDOW_UPDATE frames
// read meanwhile are consumed and recorded in Skipped; any other frame is
// kept, in order, for the next ReadFrame or Expect call. The settings it
// carried already govern this Peer's writes when Handshake returns.
func (p *Peer) Handshake() *http2.SettingsFrame {
	p.T.Helper()
	var held []http2.Frame
	for {
		f, err := p.next()
		if err != nil {
			p.pending = append(held, p.pending...)
			p.fatalf("handshake: waiting for the other side's SETTINGS frame: %v", err)
			return nil
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				p.skipped = append(p.skipped, f)
				continue
			}
			p.pending = append(held, p.pending...)
			p.WriteSettingsAck()
			return f
		case *http2.WindowUpdateFrame:
			p.skipped = append(p.skipped, f)
		default:
			held = append(held, f)
		}
	}
}

// settingsList returns the settings of a SETTINGS frame as a slice.
func settingsList(f *http2.SettingsFrame) []http2.Setting {
	ss := make([]http2.Setting, 0, f.NumSettings())
	for i := range f.NumSettings() {
		ss = append(ss, f.Setting(i))
	}
	return ss
}

package transport

import (
	"errors"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// SETTINGS, RFC 9113 §6.5: the reader validates the peer's SETTINGS
// (§6.5.2's ranges) and hands them to the writer, which applies them to
// what it writes and acknowledges them: "Upon receiving a SETTINGS frame with
// the ACK flag set ... Otherwise, the values are applied in the order in
// which they appear" (§6.5.3). What this side advertises is written with the
// preface (preface.go).

// processSettings validates the peer's SETTINGS and hands them to the writer,
// which applies them and sends the ACK.
func (c *Conn) processSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		if c.observing() {
			c.observe(&observe.FrameEvent{Header: f.FrameHeader})
		}
		return nil
	}
	var settings []http2.Setting
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		settings = append(settings, s)
		return nil
	})
	if err != nil {
		var ce http2.ConnectionError
		if errors.As(err, &ce) {
			return connError{http2.ErrCode(ce), "invalid SETTINGS value: " + err.Error()}
		}
		return err
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Settings: settings})
	}
	if !c.floods.settings.take(time.Now()) {
		return flood("SETTINGS frames")
	}
	if !c.queuedControl() {
		return flood("SETTINGS ACKs the peer does not read")
	}
	err = c.q.push1(writeReq{kind: reqPeerSettings, settings: settings, ctl: true})
	if !c.sawSettings {
		c.sawSettings = true
		close(c.settled)
	}
	return err
}

// peerSettings applies the peer's SETTINGS and acknowledges them. RFC 9113
// §6.5.3: the values are applied in order before the ACK is sent.
func (w *writer) peerSettings(settings []http2.Setting) {
	c := w.c
	for _, st := range settings {
		switch st.ID {
		case http2.SettingInitialWindowSize:
			// RFC 9113 §6.9.2: the change applies to every stream's window.
			w.peerInitWindow = int64(st.Val)
		case http2.SettingMaxFrameSize:
			w.maxFrame = st.Val
		case http2.SettingHeaderTableSize:
			w.henc.SetMaxDynamicTableSizeLimit(st.Val)
		case http2.SettingMaxHeaderListSize:
			w.peerMaxHeaderList = st.Val
		case http2.SettingMaxConcurrentStreams:
			c.mu.Lock()
			c.peerMaxStreams = st.Val
			c.mu.Unlock()
		}
	}
	w.settled = true
	if err := w.fr.WriteSettingsAck(); err != nil {
		w.fail(err)
		return
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameSettings, http2.FlagSettingsAck, 0, 0)})
	}
	// A larger window may free stalled streams; a larger limit, waiting ones.
	for _, s := range append([]*Stream(nil), w.stalled...) {
		w.unstall(s)
	}
	w.openWaiting()
}

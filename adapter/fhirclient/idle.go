package fhirclient

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// idleTransport cancels an attempt that makes no progress for idle: no
// response headers within idle, then no body bytes within idle of the last
// ones. Downloads use it in place of http.Client.Timeout, which bounds the
// whole body and so would cut off a large file that is still arriving.
type idleTransport struct {
	base http.RoundTripper
	idle time.Duration
}

func (t *idleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	w := &watchdog{cancel: cancel, idle: t.idle}
	w.timer = time.AfterFunc(t.idle, w.expire)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		w.stop()
		if w.fired.Load() {
			return nil, idleTimeout(t.idle)
		}
		return nil, err
	}
	w.timer.Reset(t.idle)
	resp.Body = &idleBody{rc: resp.Body, w: w}
	return resp, nil
}

// CloseIdleConnections lets retryablehttp drop pooled connections of the
// underlying transport, as it does on cancellation.
func (t *idleTransport) CloseIdleConnections() {
	if ci, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

type watchdog struct {
	timer  *time.Timer
	cancel context.CancelFunc
	idle   time.Duration
	fired  atomic.Bool
}

func (w *watchdog) expire() {
	w.fired.Store(true)
	w.cancel()
}

func (w *watchdog) stop() {
	w.timer.Stop()
	w.cancel()
}

// idleBody re-arms the watchdog on every read that brings bytes, and turns
// the cancellation it causes into a timeout error.
type idleBody struct {
	rc io.ReadCloser
	w  *watchdog
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if b.w.fired.Load() {
		return n, idleTimeout(b.w.idle)
	}
	if n > 0 {
		b.w.timer.Reset(b.w.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.w.stop()
	return b.rc.Close()
}

// idleTimeout is a net.Error whose Timeout is true, so transportError and
// errReason classify it as ErrTimeout and "timeout".
type idleTimeout time.Duration

func (e idleTimeout) Error() string {
	return "no data for " + strconv.FormatFloat(time.Duration(e).Seconds(), 'f', -1, 64) + "s"
}
func (idleTimeout) Timeout() bool   { return true }
func (idleTimeout) Temporary() bool { return true }

package e2etest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is what the proxy does to one request.
type Fault int

const (
	// Pass forwards the request untouched.
	Pass Fault = iota
	// TooMany answers 429 with Retry-After: 1 without forwarding.
	TooMany
	// Unavailable answers 503 (no Retry-After) without forwarding.
	Unavailable
	// Drop hijacks the connection and closes it before forwarding: the
	// client sees a broken connection and the server never saw the request.
	Drop
	// DropAfter forwards the request, then closes the connection instead of
	// answering: the server applied it, the client does not know.
	DropAfter
	// Slow waits Proxy.Delay before forwarding.
	Slow
)

func (f Fault) String() string {
	switch f {
	case Pass:
		return "pass"
	case TooMany:
		return "429"
	case Unavailable:
		return "503"
	case Drop:
		return "drop"
	case DropAfter:
		return "drop-after"
	case Slow:
		return "slow"
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// Proxy is a reverse proxy in front of the FHIR server that injects faults
// by a schedule. Every distinct request (method, URL and body) gets the next
// entry of Schedule, cyclically, in the order the requests are first seen;
// the fault hits only the request's first attempt (FirstAttempts of them),
// so a client that retries always gets through and the run must converge.
// The Host header is passed on, so the server's paging links point back at
// the proxy.
type Proxy struct {
	// URL is the proxied FHIR base, e.g. http://127.0.0.1:41234/fhir.
	URL string
	// Delay is the wait of Slow.
	Delay time.Duration
	// FirstAttempts is how many attempts of a request its fault hits; 0
	// means 1.
	FirstAttempts int
	// ExpirePages, when set, forwards every request for a further search
	// page (HAPI's ?_getpages=<search id>) with an unknown search id, so
	// that HAPI answers as it does once a search has expired: 410 Gone.
	ExpirePages bool

	target   *url.URL
	schedule []Fault
	rt       http.RoundTripper

	mu       sync.Mutex
	distinct int
	attempts map[string]int
	faultOf  map[string]Fault
	injected map[Fault]int
	requests int
	pages    int
}

// NewProxy starts a proxy in front of base (a FHIR base URL) and stops it
// when the test ends. An empty schedule passes everything (a counting proxy).
func NewProxy(t testing.TB, base string, schedule ...Fault) *Proxy {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(schedule) == 0 {
		schedule = []Fault{Pass}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	p := &Proxy{target: target, schedule: schedule, rt: tr, Delay: 300 * time.Millisecond,
		attempts: map[string]int{}, faultOf: map[string]Fault{}, injected: map[Fault]int{}}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		tr.CloseIdleConnections()
	})
	p.URL = srv.URL + target.Path
	return p
}

// Injected counts the faults injected so far, by kind.
func (p *Proxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[Fault]int{}
	for k, v := range p.injected {
		out[k] = v
	}
	return out
}

// Requests counts every request the proxy received.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Pages counts requests for a further search page (HAPI's _getpages links).
func (p *Proxy) Pages() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pages
}

// fault decides what happens to this attempt of the request.
func (p *Proxy) fault(key string, page bool) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	if page {
		p.pages++
	}
	f, ok := p.faultOf[key]
	if !ok {
		f = p.schedule[p.distinct%len(p.schedule)]
		p.distinct++
		p.faultOf[key] = f
	}
	p.attempts[key]++
	if f == Pass || p.attempts[key] > max(p.FirstAttempts, 1) {
		return Pass
	}
	p.injected[f]++
	return f
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "proxy: reading the request", http.StatusBadGateway)
		return
	}
	sum := sha256.Sum256(body)
	key := r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(sum[:8])
	switch p.fault(key, r.URL.Query().Has("_getpages")) {
	case TooMany:
		w.Header().Set("Retry-After", "1")
		writeOutcome(w, http.StatusTooManyRequests, "throttled")
		return
	case Unavailable:
		writeOutcome(w, http.StatusServiceUnavailable, "unavailable")
		return
	case Drop:
		hangUp(w)
		return
	case DropAfter:
		if res, err := p.forward(r, body); err == nil {
			res.Body.Close()
		}
		hangUp(w)
		return
	case Slow:
		select {
		case <-time.After(p.Delay):
		case <-r.Context().Done():
			return
		}
	}
	res, err := p.forward(r, body)
	if err != nil {
		http.Error(w, "proxy: upstream failed", http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	for k, vs := range res.Header {
		if !hopByHop(k) {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(res.StatusCode)
	io.Copy(w, res.Body)
}

// forward sends the request to the target with the client's Host header.
func (p *Proxy) forward(r *http.Request, body []byte) (*http.Response, error) {
	u := *p.target
	u.Path = r.URL.Path
	u.RawPath = r.URL.RawPath
	u.RawQuery = r.URL.RawQuery
	if q := r.URL.Query(); p.ExpirePages && q.Has("_getpages") {
		q.Set("_getpages", "00000000-0000-4000-8000-000000000000")
		u.RawQuery = q.Encode()
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		if !hopByHop(k) && !strings.EqualFold(k, "Accept-Encoding") {
			out.Header[k] = vs
		}
	}
	out.Host = r.Host
	return p.rt.RoundTrip(out)
}

func hopByHop(k string) bool {
	switch http.CanonicalHeaderKey(k) {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length":
		return true
	}
	return false
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("e2etest: the proxy's ResponseWriter cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func writeOutcome(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"e2e proxy: %s"}]}`, text)
}

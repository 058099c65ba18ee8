package api

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// Defences against requests a browser sends on a web page's behalf (issue
// 11, point 1). The adapter holds the FHIR server's credentials, so a page
// the operator opens must neither read its answers (DNS rebinding: the
// page's own name resolving to the adapter, which the Host check defeats)
// nor make it act (a cross-site POST, which the origin check, the JSON
// Content-Type and the write role defeat).

// hostGuard knows the Host names the server answers for.
type hostGuard struct {
	names map[string]bool
}

// newHostGuard allows loopback names, the listen host (every interface
// address when it listens on all of them), the host of PublicURL and the
// allowed hosts. An IP literal of the machine cannot be a rebinding: a page
// whose origin is that IP was served by this machine.
func newHostGuard(cfg Config) *hostGuard {
	g := &hostGuard{names: map[string]bool{"localhost": true}}
	if cfg.ListenAddr != "" {
		host, _, _ := net.SplitHostPort(cfg.ListenAddr)
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			addrs, _ := net.InterfaceAddrs()
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					g.names[normalHost(n.IP.String())] = true
				}
			}
		} else {
			g.names[normalHost(host)] = true
		}
	}
	if u, err := url.Parse(cfg.PublicURL); cfg.PublicURL != "" && err == nil {
		g.names[normalHost(u.Host)] = true
	}
	for _, h := range cfg.AllowedHosts {
		g.names[normalHost(h)] = true
	}
	return g
}

// allowed says whether a request's Host (name or IP, with or without a
// port) is one the server answers for.
func (g *hostGuard) allowed(hostport string) bool {
	h := normalHost(hostport)
	if h == "" {
		return false
	}
	if g.names[h] {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// middleware answers 421 Misdirected Request to a foreign Host. The probes
// are exempt: an orchestrator's probe names the pod's address, and they
// answer nothing a page could use.
func (g *hostGuard) middleware(c *gin.Context) {
	if r := c.FullPath(); r == routeHealth || r == routeReady {
		c.Next()
		return
	}
	if !g.allowed(c.Request.Host) {
		// The Host is not echoed: it is whatever the client made up.
		writeError(c, Errorf(EMISDIRECTED, "this server does not answer for that Host name; "+
			"add it with --allowed-hosts or --public-url"))
		return
	}
	c.Next()
}

// normalHost is the lower-case host of a Host header or host[:port], with
// brackets and a trailing dot removed; "" when there is none.
func normalHost(hostport string) string {
	h := strings.TrimSpace(hostport)
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimPrefix(strings.TrimSuffix(h, "]"), "[")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// crossOrigin refuses state-changing requests (POST, DELETE) that a browser
// marks as coming from another origin: Sec-Fetch-Site other than
// same-origin or none, or an Origin whose host is not the Host. Clients
// other than browsers send neither header and pass.
func crossOrigin() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			writeError(c, Errorf(EFORBIDDEN, "cross-origin requests that change state are refused"))
			return
		}
		c.Next()
	}
}

package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// routeOf is the route template of the request ("/fhir/Patient/:id/$rpm-eligibility"),
// never its path: the path holds patient and group ids. Unmatched requests
// (404, 405) share one label so that scanners cannot grow the metrics.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// methodOf bounds the method label to the methods HTTP defines.
func methodOf(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return r.Method
	}
	return "OTHER"
}

// accessLog writes one structured record per request and feeds the request
// metrics. It logs the route template, never the path or the query string,
// and nothing of the body.
func accessLog(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		d := time.Since(start)
		route, method, status := routeOf(c), methodOf(c.Request), c.Writer.Status()
		m.observeRequest(method, route, status, d)
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
		}
		if code := c.GetString(ctxErrorCode); code != "" {
			attrs = append(attrs, slog.String("code", code))
		}
		if who := callerOf(c); who.label != "" {
			attrs = append(attrs, slog.String("token", who.label)) // the label, never the token
		}
		level := slog.LevelInfo
		if status < 400 && (route == routeHealth || route == routeReady || route == routeMetrics) {
			level = slog.LevelDebug // probes and scrapes every few seconds would drown the rest
		}
		log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
	}
}

// recovery turns a panic into a 500 OperationOutcome. The log gets the
// stack and, for runtime errors only, the panic text: a custom panic value
// could hold anything, patient data included.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel by identity, as net/http does
				panic(v)
			}
			what := fmt.Sprintf("%T", v)
			if re, ok := v.(runtime.Error); ok {
				what = re.Error()
			}
			log.LogAttrs(c.Request.Context(), slog.LevelError, "panic",
				slog.String("request_id", requestID(c)), slog.String("panic", what),
				slog.String("stack", string(debug.Stack())))
			writeError(c, &Error{Code: EINTERNAL, Err: errors.New("panic: " + what)})
		}()
		c.Next()
	}
}

// limitBody refuses bodies over max bytes: at once when Content-Length says
// so, otherwise when a handler reads past the limit (see readBody).
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			writeError(c, Errorf(ETOOLARGE, "the request body is larger than %d bytes", max))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

// noStore keeps results, which are patient data, out of shared caches.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// notFound and notAllowed answer unmatched routes and methods.
func notFound(c *gin.Context) {
	writeError(c, Errorf(ENOTFOUND, "no such endpoint"))
}

func notAllowed(c *gin.Context) {
	writeError(c, Errorf(ENOTALLOWED, "method %s is not allowed here (allowed: %s)",
		methodOf(c.Request), c.Writer.Header().Get("Allow")))
}

package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"

	"github.com/gin-gonic/gin"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-Id"

// Keys of values the middleware stores on the Gin context.
const (
	ctxRequestID = "rpm.request_id"
	ctxLogger    = "rpm.logger"
	ctxErrorCode = "rpm.error_code"
	ctxCaller    = "rpm.caller"
	ctxWrite     = "rpm.write"
	ctxWriteOp   = "rpm.write_op" // the request is to $rpm-eligibility-write
	ctxJobRef    = "rpm.job_ref"
)

// saneRequestID accepts the ids integration engines and proxies send
// (UUIDs, hex, base64url, dotted trace ids) and nothing that could forge a
// log line or smuggle data: no spaces, quotes or control characters.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

type requestIDKey struct{}

// RequestID is the request id of a context derived from an API request,
// "" otherwise. The service may add it to its own log records.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID accepts a sane incoming X-Request-Id or makes one, echoes it
// and puts it on the request context; it also hands writeError the logger.
func withRequestID(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(HeaderRequestID)
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(ctxRequestID, id)
		c.Set(ctxLogger, log)
		c.Header(HeaderRequestID, id)
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

func loggerOf(c *gin.Context) *slog.Logger {
	lg, _ := c.Get(ctxLogger)
	l, _ := lg.(*slog.Logger)
	return l
}

// newRequestID is 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds the readiness check: a probe must get an answer
// before its own timeout, whatever the FHIR source does.
const readyTimeout = 5 * time.Second

// healthz answers 200 while the process serves (liveness).
func (s *Server) healthz(c *gin.Context) {
	writeFHIR(c, http.StatusOK, information("ok"))
}

// readiness caches the answer of Service.Ready for ReadyCacheTTL: /readyz
// is open, and each check is a credentialed call to the FHIR server, so
// probes (or anyone) hammering it must not become upstream traffic (issue
// 11, point 13). Concurrent probes wait for one check.
type readiness struct {
	mu      sync.Mutex
	checked time.Time
	err     error
}

func (r *readiness) check(ctx context.Context, s *Server) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := s.cfg.Now()
	if !r.checked.IsZero() && now.Sub(r.checked) < s.cfg.ReadyCacheTTL && now.Sub(r.checked) >= 0 {
		return r.err
	}
	// Not the probe's context: a probe that gives up must not leave its
	// cancellation in the cache.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	r.err = s.svc.Ready(cctx)
	r.checked = s.cfg.Now()
	return r.err
}

// readyz answers 200 when the FHIR source answers, 503 otherwise. The cause
// goes to the log with the request id, not to the (unauthenticated) caller.
func (s *Server) readyz(c *gin.Context) {
	if err := s.ready.check(c.Request.Context(), s); err != nil {
		writeError(c, &Error{Code: EUNAVAILABLE, Message: "the FHIR source does not answer", Err: err})
		return
	}
	writeFHIR(c, http.StatusOK, information("ready"))
}

// metadata answers GET /fhir/metadata with the CapabilityStatement.
func (s *Server) metadata(c *gin.Context) {
	writeFHIR(c, http.StatusOK, s.capability)
}

// operationDefinition answers GET /fhir/OperationDefinition/{id}.
func (s *Server) operationDefinition(c *gin.Context) {
	d, ok := s.opDefs[c.Param("id")]
	if !ok {
		writeError(c, Errorf(ENOTFOUND, "no such OperationDefinition"))
		return
	}
	writeFHIR(c, http.StatusOK, d.body)
}

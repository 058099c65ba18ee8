package api

import (
	"context"
	"net/http"
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

// readyz answers 200 when the FHIR source answers, 503 otherwise. The cause
// goes to the log with the request id, not to the (unauthenticated) caller.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
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
	body, ok := s.opDefs[c.Param("id")]
	if !ok {
		writeError(c, Errorf(ENOTFOUND, "no such OperationDefinition"))
		return
	}
	writeFHIR(c, http.StatusOK, body)
}

package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// patientOperation answers GET|POST /fhir/Patient/{id}/$rpm-eligibility
// with a Bundle of the patient's results (fhir-mapping.md §5).
func (s *Server) patientOperation(c *gin.Context) {
	id := c.Param("id")
	if !validID(id) {
		writeError(c, Errorf(EINVALID, "the patient id is not a FHIR id"))
		return
	}
	p, err := s.params(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if !s.inflight.tryAcquire() {
		writeError(c, errBusy)
		return
	}
	defer s.inflight.release()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	out, err := s.evaluate(ctx, id, p.job, p.write)
	if err != nil {
		writeError(c, err)
		return
	}
	body, err := patientBundle(out, s.cfg.Now(), s.cfg.FHIRBase)
	if err != nil {
		writeError(c, err)
		return
	}
	writeFHIR(c, http.StatusOK, body)
}

// writeOperation marks a request to $rpm-eligibility-write.
func writeOperation(c *gin.Context) {
	c.Set(ctxWriteOp, true)
	c.Next()
}

// params reads the operation's parameters and checks that the caller may
// ask for them: writing changes state, so FHIR wants it POSTed, and only
// a token with the write role may ask for it; without tokens nobody may
// (issue 11, point 1).
func (s *Server) params(c *gin.Context) (evalParams, error) {
	p, err := readParams(c, today(s.cfg.Now(), s.cfg.Location))
	if err != nil {
		return p, err
	}
	if p.write {
		c.Set(ctxWrite, true)
	}
	if p.write && c.Request.Method != http.MethodPost {
		return p, Errorf(EINVALID, "writing changes state: use POST")
	}
	if p.write && !s.auth.enabled() {
		return p, Errorf(EFORBIDDEN, "$rpm-eligibility-write needs a token with the write role; "+
			"without API tokens the service is read-only")
	}
	if p.write && !callerOf(c).canWrite() {
		return p, Errorf(EFORBIDDEN, "this token may not write results back ($rpm-eligibility-write needs the write role)")
	}
	return p, nil
}

package api

import (
	"fmt"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"
)

// jobIDSyntax is the form of the ids jobStore makes; anything else is
// unknown without a lookup.
var jobIDSyntax = regexp.MustCompile(`^[0-9a-f]{32}$`)

// jobPollSeconds is the Retry-After of a running job's status.
const jobPollSeconds = "2"

var errNoJob = Errorf(ENOTFOUND, "no such job: unknown, expired or cancelled")

// jobStatus answers GET /fhir/_jobs/{id}: 202 with X-Progress while the job
// runs, 200 with its Bundle when done, the job's error when it failed, 404
// once cancelled or expired, and 404 to any token label but the owner's.
func (s *Server) jobStatus(c *gin.Context) {
	id := c.Param("id")
	if !jobIDSyntax.MatchString(id) {
		writeError(c, errNoJob)
		return
	}
	var (
		v  jobView
		ok bool
	)
	if s.cfg.Jobs != nil {
		st, found, err := s.durableView(c.Request.Context(), id, callerOf(c).label)
		if err != nil {
			writeError(c, err)
			return
		}
		v, ok = viewOf(st), found
	} else {
		v, ok = s.jobs.get(id, callerOf(c).label)
	}
	switch {
	case !ok:
		writeError(c, errNoJob)
	case v.state == jobRunning:
		progress := fmt.Sprintf("%d of %d patients", v.done, v.total)
		c.Header("X-Progress", progress)
		c.Header("Retry-After", jobPollSeconds)
		writeFHIR(c, http.StatusAccepted, information("in progress: "+progress))
	case v.state == jobFailed:
		writeError(c, v.err)
	default:
		writeFHIR(c, http.StatusOK, v.result)
	}
}

// jobDelete answers DELETE /fhir/_jobs/{id}: 202 when a running job is
// cancelled (its work stops shortly), 204 when a finished job's result is
// deleted; 404 to another label, 403 for a write job to a read token.
func (s *Server) jobDelete(c *gin.Context) {
	id := c.Param("id")
	if !jobIDSyntax.MatchString(id) {
		writeError(c, errNoJob)
		return
	}
	var (
		running bool
		err     error
	)
	if s.cfg.Jobs != nil {
		running, err = s.removeDurable(c.Request.Context(), id, callerOf(c))
	} else {
		running, err = s.jobs.remove(id, callerOf(c))
	}
	switch {
	case err != nil:
		writeError(c, err)
	case running:
		writeFHIR(c, http.StatusAccepted, information("cancelled"))
	default:
		c.Status(http.StatusNoContent)
	}
}

package api

import (
	"context"
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// The audit trail (issue 11, point 16): one event per request to an
// operation or a job, whatever its answer (a refused token is worth
// recording too), and one when an async job ends. Events carry ids, which
// the operational log never does; that is why they go to an Auditor and
// not to slog.

// audit records the request once it has been answered. It runs before the
// authenticator, so that a 401 is recorded as well (with no label).
func (s *Server) audit(c *gin.Context) {
	c.Next()
	if s.cfg.Auditor == nil {
		return
	}
	e := adapter.AuditEvent{
		Time:      s.cfg.Now().UTC(),
		RequestID: requestID(c),
		Token:     callerOf(c).label,
		Write:     c.GetBool(ctxWrite),
		Status:    c.Writer.Status(),
		Outcome:   outcomeOfStatus(c.Writer.Status()),
	}
	id := c.Param("id")
	switch c.FullPath() {
	case routePatientOp, routePatientWrite:
		e.Operation = adapter.AuditPatientEligibility
		if validID(id) { // a refused id is client input, not a patient
			e.PatientID = id
		}
	case routeGroupOp, routeGroupWrite:
		e.Operation = adapter.AuditGroupEligibility
		if validID(id) {
			e.GroupID = id
		}
		e.Job = c.GetString(ctxJobRef)
	case routeJob:
		e.Operation = adapter.AuditJobStatus
		if c.Request.Method == "DELETE" {
			e.Operation = adapter.AuditJobCancel
		}
		if jobIDSyntax.MatchString(id) {
			e.Job = jobRef(id) // the full id is the job's password
		}
	case "/fhir/$rpm-billing-export":
		e.Operation = adapter.AuditBillingExport
	default:
		return
	}
	s.record(c.Request.Context(), e)
}

// auditJobEnd is the onEnd of a job started by the request c. It reads c
// now: Gin reuses a Context once its request is answered.
func (s *Server) auditJobEnd(c *gin.Context, group string, write bool) func(ref, outcome string) {
	if s.cfg.Auditor == nil {
		return nil
	}
	base := adapter.AuditEvent{RequestID: requestID(c), Token: callerOf(c).label,
		Operation: adapter.AuditGroupJobEnd, GroupID: group, Write: write}
	return func(ref, outcome string) {
		e := base
		e.Time = s.cfg.Now().UTC()
		e.Outcome = outcome
		e.Job = ref
		switch outcome {
		case "completed":
			e.Status = 200
		case "failed":
			e.Status = 500
		}
		s.record(context.Background(), e)
	}
}

// record hands e to the Auditor. A failure is logged without the event's
// ids; the answer has gone already. Not under the request's context: the
// client may have hung up once answered, and the event must still be kept
// (a database Auditor would otherwise drop it).
func (s *Server) record(ctx context.Context, e adapter.AuditEvent) {
	if err := s.cfg.Auditor.Record(context.WithoutCancel(ctx), e); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit record failed",
			slog.String("request_id", e.RequestID), slog.String("operation", e.Operation), slog.String("err", err.Error()))
	}
}

func outcomeOfStatus(status int) string {
	switch {
	case status >= 500:
		return "failed"
	case status >= 400:
		return "refused"
	}
	return "ok"
}

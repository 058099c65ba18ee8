package api

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

// jobCounter is GroupJobs that counts the jobs queued or running in the
// store (adapter/jobs): every replica's, not only this process's.
type jobCounter interface {
	Running(ctx context.Context) (int, error)
}

// metricsHandler serves /metrics. With stored jobs, rpm_jobs_running is
// first set to the store's count of jobs queued or running (the same on
// every replica: a job started on one may run and end on another, so a
// count kept in memory would drift); with in-memory jobs it is kept as
// they start and end.
func (s *Server) metricsHandler() gin.HandlerFunc {
	h := s.metrics.Handler()
	jc, _ := s.cfg.Jobs.(jobCounter)
	return func(c *gin.Context) {
		if jc != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
			n, err := jc.Running(ctx)
			cancel()
			if err != nil {
				s.log.Warn("counting the stored jobs failed", "err", err)
			} else {
				s.metrics.jobsRunning.Set(float64(n))
			}
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
}

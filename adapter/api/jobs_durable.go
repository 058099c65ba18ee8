package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// Async Group jobs on Config.Jobs (adapter/jobs on River, in the store):
// the job's owner label, write flag and parameters are stored with it, so
// that any replica, and this one after a restart, answers its status with
// the same owner checks as the in-memory jobs. The members are evaluated
// through member, under the same in-flight bound as synchronous requests.

// durableParams is what a stored job keeps of its request.
type durableParams struct {
	Job     adapter.Job `json:"job"`
	Write   bool        `json:"write"`
	Summary bool        `json:"summary"`
}

// startDurableJob answers 202 with the status URL of a new stored job.
func (s *Server) startDurableJob(c *gin.Context, group string, members []string, p evalParams) {
	if len(members) > s.cfg.MaxJobMembers {
		writeError(c, Errorf(EBUSINESS, "the group has %d members; one job may evaluate at most %d",
			len(members), s.cfg.MaxJobMembers))
		return
	}
	params, err := json.Marshal(durableParams{Job: p.job, Write: p.write, Summary: len(members) > s.cfg.GroupBundleLimit})
	if err != nil {
		writeError(c, err)
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	spec := adapter.GroupJobSpec{ID: id, Owner: callerOf(c).label, Write: p.write, GroupID: group,
		RequestID: requestID(c), Params: params, Total: len(members), Timeout: s.cfg.JobTimeout,
		MaxRunning: s.cfg.MaxJobs, MaxPerOwner: s.cfg.MaxJobsPerToken, TTL: s.cfg.JobTTL}
	err = s.cfg.Jobs.Start(c.Request.Context(), spec)
	switch {
	case errors.Is(err, adapter.ErrTooManyJobs):
		s.metrics.jobRejected()
		writeError(c, Errorf(ETOOMANY, "%d jobs are running already; retry later", s.cfg.MaxJobs))
		return
	case errors.Is(err, adapter.ErrTooManyOwnerJobs):
		s.metrics.jobRejected()
		writeError(c, Errorf(ETOOMANY, "this token runs %d jobs already, the most it may; retry later", s.cfg.MaxJobsPerToken))
		return
	case err != nil:
		writeError(c, err)
		return
	}
	s.log.Info("job queued", "job", jobRef(id), "patients", len(members))
	s.acceptedJob(c, id, len(members))
}

// durableView reads a stored job for who: false when it does not exist
// for them (unknown, expired, cancelled, another label's).
func (s *Server) durableView(ctx context.Context, id, owner string) (adapter.GroupJobStatus, bool, error) {
	st, err := s.cfg.Jobs.Get(ctx, id)
	switch {
	case errors.Is(err, adapter.ErrNotFound):
		return st, false, nil
	case err != nil:
		return st, false, err
	case !st.Finished.IsZero() && s.cfg.Now().Sub(st.Finished) >= s.cfg.JobTTL:
		return st, false, nil // expired, as in memory; the next Start deletes it
	}
	return st, st.Owner == owner, nil
}

func viewOf(st adapter.GroupJobStatus) jobView {
	v := jobView{done: st.Done, total: st.Total, result: st.Result}
	switch st.State {
	case adapter.JobCompleted:
		v.state = jobDone
	case adapter.JobFailed:
		v.state = jobFailed
		v.err = &Error{Code: st.ErrCode, Message: st.ErrText}
	default:
		v.state = jobRunning
	}
	return v
}

// removeDurable is remove for a stored job.
func (s *Server) removeDurable(ctx context.Context, id string, who caller) (bool, error) {
	st, ok, err := s.durableView(ctx, id, who.label)
	switch {
	case err != nil:
		return false, err
	case !ok:
		return false, errNoJob
	case st.Write && !who.canWrite():
		return false, Errorf(EFORBIDDEN, "this job writes results back: cancelling it needs a token with the write role")
	}
	running, err := s.cfg.Jobs.Cancel(ctx, id)
	if errors.Is(err, adapter.ErrNotFound) {
		return false, errNoJob
	}
	return running, err
}

// jobWork is the API's side of a stored job (adapter.GroupJobWork).
type jobWork struct{ s *Server }

var _ adapter.GroupJobWork = jobWork{}

func (w jobWork) Members(ctx context.Context, group string, _ []byte) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, w.s.cfg.RequestTimeout)
	defer cancel()
	members, err := w.s.svc.GroupMembers(ctx, group)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &adapter.JobError{Code: ErrorCode(err), Message: ErrorMessage(err)}
	}
	if len(members) > w.s.cfg.MaxJobMembers {
		return nil, &adapter.JobError{Code: EBUSINESS, Message: fmt.Sprintf(
			"the group has %d members; one job may evaluate at most %d", len(members), w.s.cfg.MaxJobMembers)}
	}
	return members, nil
}

func (w jobWork) Member(ctx context.Context, patient string, params []byte) []byte {
	var p durableParams
	var r memberResult
	if err := json.Unmarshal(params, &p); err != nil {
		r = memberResult{id: patient, err: fmt.Errorf("api: a stored job's parameters cannot be read: %w", err)}
	} else {
		r = w.s.member(ctx, patient, p.Job, p.Write, p.Summary, w.s.log)
	}
	if err := r.err; err != nil && ErrorCode(err) == EINTERNAL {
		w.s.log.Warn("group member failed", "err", err)
	}
	line, err := json.Marshal(lineOf(r, p.Summary))
	if err != nil {
		line, _ = json.Marshal(memberLine{ID: patient, Broken: true})
	}
	return line
}

func (w jobWork) Result(params []byte, raw [][]byte) ([]byte, error) {
	var p durableParams
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, err
	}
	lines := make([]memberLine, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &lines[i]); err != nil {
			return nil, err
		}
	}
	if p.Summary {
		return groupSummary(lines, p.Write, w.s.cfg.Now(), w.s.cfg.FHIRBase)
	}
	return groupBundle(lines, w.s.cfg.Now(), w.s.cfg.FHIRBase)
}

// Ended counts the job's outcome and records its end in the audit trail,
// as the in-memory job's onEnd does.
func (w jobWork) Ended(st adapter.GroupJobStatus, outcome string) {
	w.s.metrics.jobs.WithLabelValues(outcome).Inc()
	if w.s.cfg.Auditor == nil {
		return
	}
	e := adapter.AuditEvent{Time: w.s.cfg.Now().UTC(), RequestID: st.RequestID, Token: st.Owner,
		Operation: adapter.AuditGroupJobEnd, GroupID: st.GroupID, Job: st.Ref, Write: st.Write, Outcome: outcome}
	switch outcome {
	case "completed":
		e.Status = 200
	case "failed":
		e.Status = 500
	}
	w.s.record(context.Background(), e)
}

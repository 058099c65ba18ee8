package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// groupArgs is the rpm_group job: read a job's members and queue them. Only
// the job's key (the hash of its id) travels in River's table; the rest is
// in group_jobs.
type groupArgs struct {
	JobKey string `json:"job_key"`
}

func (groupArgs) Kind() string { return "rpm_group" }

// memberArgs is the rpm_member job: evaluate member Index of a job.
type memberArgs struct {
	JobKey string `json:"job_key"`
	Index  int    `json:"index"`
}

func (memberArgs) Kind() string { return "rpm_member" }

var errNoWork = errors.New("jobs: the queue runs without work")

type groupWorker struct {
	river.WorkerDefaults[groupArgs]
	q *Queue
}

// groupTimeout bounds the rpm_group job, which reads a group and queues up
// to 10,000 members in one transaction: far longer than one patient's
// JobTimeout (seen: 1,535 members under the race detector outlast 2 s, and
// the job was cancelled and retried for ever). A rescue while it still runs
// is harmless: the second run finds the job running, or waits for the
// first's transaction and then does.
const groupTimeout = 10 * time.Minute

// Timeout implements river.Worker.
func (w *groupWorker) Timeout(*river.Job[groupArgs]) time.Duration { return groupTimeout }

// Work reads the members and, in one transaction, marks the job running,
// records one line per member and queues one rpm_member job per member. A
// rescued rpm_group finds the job running already and does nothing.
func (w *groupWorker) Work(ctx context.Context, job *river.Job[groupArgs]) error {
	q, id := w.q, job.Args.JobKey
	work := q.workOf()
	if work == nil {
		return errNoWork
	}
	st, params, err := q.get(ctx, id)
	if errors.Is(err, adapter.ErrNotFound) || err == nil && st.State != adapter.JobQueued {
		return nil // cancelled, expired, or fanned out already
	}
	if err != nil {
		return err
	}
	members, err := work.Members(ctx, st.GroupID, params)
	if err != nil {
		var je *adapter.JobError
		if !errors.As(err, &je) && ctx.Err() != nil && job.Attempt < job.MaxAttempts {
			return err // stopping or timed out: River tries again
		}
		if !errors.As(err, &je) {
			je = &adapter.JobError{Code: "internal", Message: "the group's members could not be read"}
		}
		return q.fail(ctx, id, st, je)
	}
	var empty bool
	err = q.eng.inTx(ctx, func(x execer) ([]river.InsertManyParams, error) {
		n, err := x.exec(ctx, `UPDATE group_jobs SET state = 'running', total = ? WHERE job_key = ? AND state = 'queued'`, len(members), id)
		if err != nil || n == 0 {
			return nil, err // cancelled meanwhile: nothing to queue
		}
		if len(members) == 0 {
			empty = true
			return nil, nil
		}
		ins := make([]river.InsertManyParams, len(members))
		for i, pid := range members {
			if _, err := x.exec(ctx, `INSERT INTO group_job_members (job_key, idx, patient_id) VALUES (?, ?, ?)`, id, i, pid); err != nil {
				return nil, err
			}
			ins[i] = river.InsertManyParams{Args: memberArgs{JobKey: id, Index: i}}
		}
		return ins, nil
	})
	if err != nil {
		return fmt.Errorf("jobs: queueing the members of job %s: %w", st.Ref, err)
	}
	q.log.Info("job members queued", "job", st.Ref, "patients", len(members))
	if empty {
		return q.finishIfDone(ctx, id, params)
	}
	return nil
}

type memberWorker struct {
	river.WorkerDefaults[memberArgs]
	q *Queue
}

// Work evaluates one member unless its job is cancelled or its line is
// stored already (a rescued worker whose first run committed), then stores
// the line and, when it is the last, the answer.
func (w *memberWorker) Work(ctx context.Context, job *river.Job[memberArgs]) error {
	q, id, idx := w.q, job.Args.JobKey, job.Args.Index
	work := q.workOf()
	if work == nil {
		return errNoWork
	}
	var (
		state       string
		params      []byte
		deadline    int64
		pid         string
		done        int64
		tooManyTry  = job.Attempt >= job.MaxAttempts
		memberQuery = `SELECT j.state, j.params, j.deadline_at, m.patient_id, m.done FROM group_jobs j
	JOIN group_job_members m ON m.job_key = j.job_key WHERE j.job_key = ? AND m.idx = ?`
	)
	err := q.row(ctx, memberQuery, id, idx).Scan(&state, &params, &deadline, &pid, &done)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (state != adapter.JobRunning || done == 1) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	// The job's deadline in the queue's clock (Options.Now), as a timeout.
	mctx, cancel := context.WithTimeout(ctx, time.Duration(deadline-q.nanos()))
	defer cancel()
	line := work.Member(mctx, pid, params)
	if ctx.Err() != nil && mctx.Err() == ctx.Err() && !tooManyTry && q.nanos() < deadline {
		// River's timeout or a stopping client, not the job's deadline:
		// the line holds only that error; evaluate the member again.
		return ctx.Err()
	}
	tx, err := q.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	x := sqlExecer{tx: tx, dollar: q.dollar}
	bg := context.WithoutCancel(ctx)
	// The job's row first: it serialises the members finishing at once
	// (PostgreSQL's row lock; SQLite has one writer), so exactly one sees
	// the last count.
	if _, err := x.exec(bg, `UPDATE group_jobs SET done = done WHERE job_key = ?`, id); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	n, err := x.exec(bg, `UPDATE group_job_members SET done = 1, line = ? WHERE job_key = ? AND idx = ? AND done = 0`, line, id, idx)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if n == 1 {
		if _, err := x.exec(bg, `UPDATE group_jobs SET done = done + 1 WHERE job_key = ?`, id); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return q.finishIfDone(bg, id, params)
}

// finishIfDone builds and stores the answer once every member's line is
// in, in one transaction that only one finisher can win (state running →
// completed).
func (q *Queue) finishIfDone(ctx context.Context, id string, params []byte) error {
	work := q.workOf()
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	x := sqlExecer{tx: tx, dollar: q.dollar}
	if _, err := x.exec(ctx, `UPDATE group_jobs SET done = done WHERE job_key = ?`, id); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	var state string
	var done, total int
	if err := x.queryRow(ctx, `SELECT state, done, total FROM group_jobs WHERE job_key = ?`, id).Scan(&state, &done, &total); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return fmt.Errorf("jobs: %w", err)
	}
	if state != adapter.JobRunning || done < total {
		return nil
	}
	lines := make([][]byte, 0, total)
	rows, err := tx.QueryContext(ctx, q.query(`SELECT line FROM group_job_members WHERE job_key = ? ORDER BY idx`), id)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	for rows.Next() {
		var l []byte
		if err := rows.Scan(&l); err != nil {
			rows.Close()
			return fmt.Errorf("jobs: %w", err)
		}
		lines = append(lines, l)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	result, rerr := work.Result(params, lines)
	outcome := "completed"
	if rerr != nil {
		outcome = "failed"
		_, err = x.exec(ctx, `UPDATE group_jobs SET state = 'failed', error_code = 'internal', error_text = ?, finished_at = ? WHERE job_key = ?`,
			"the job's answer could not be built", q.nanos(), id)
	} else {
		_, err = x.exec(ctx, `UPDATE group_jobs SET state = 'completed', result = ?, finished_at = ? WHERE job_key = ?`, result, q.nanos(), id)
	}
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	// The lines are not needed once the answer is built.
	if _, err := x.exec(ctx, `UPDATE group_job_members SET line = NULL WHERE job_key = ?`, id); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if st, _, err := q.getAny(ctx, id); err == nil {
		q.log.Info("job finished", "job", st.Ref, "patients", total, "outcome", outcome)
		q.ended(st, outcome)
	}
	return nil
}

// fail ends a job that cannot run (its members could not be read).
func (q *Queue) fail(ctx context.Context, key string, st adapter.GroupJobStatus, je *adapter.JobError) error {
	bg := context.WithoutCancel(ctx)
	tx, err := q.db.BeginTx(bg, nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	x := sqlExecer{tx: tx, dollar: q.dollar}
	n, err := x.exec(bg, `UPDATE group_jobs SET state = 'failed', error_code = ?, error_text = ?, finished_at = ?
	WHERE job_key = ? AND state = 'queued'`, je.Code, je.Message, q.nanos(), key)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if n == 1 {
		q.log.Info("job failed", "job", st.Ref)
		q.ended(st, "failed")
	}
	return nil
}

func (q *Queue) query(s string) string {
	if q.dollar {
		return dollars(s)
	}
	return s
}

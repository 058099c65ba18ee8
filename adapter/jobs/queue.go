package jobs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// Defaults of Options. A member is one patient: the API's per-patient
// budget (60 s) plus slack is River's job timeout, and a job still running
// RescueAfter after it started (its replica died) is taken up again by River's
// rescuer, which looks every 30 s: a dead replica's patients are evaluated
// again within about two minutes, not River's default hour.
const (
	DefaultJobTimeout  = 75 * time.Second
	DefaultRescueAfter = 90 * time.Second
	DefaultWorkers     = 16
	DefaultMaxAttempts = 5
)

// Options configure a Queue.
type Options struct {
	JobTimeout  time.Duration // River's job timeout, per member
	RescueAfter time.Duration // River's RescueStuckJobsAfter; must exceed JobTimeout
	Workers     int           // River workers of this process (the API's in-flight bound still holds)
	MaxAttempts int           // tries of a member before its line records the failure
	// PollInterval is how often River looks for new jobs where it cannot be
	// notified (SQLite); 0 is River's default (1 s).
	PollInterval time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
	// Schedule, when set, is the daily re-evaluation of some groups, whose
	// runs River's leader inserts (schedule.go). Give every replica the
	// same: whichever is elected inserts them.
	Schedule *Schedule
	// Watch, when its Interval is set, runs the watcher's poll cycle as a
	// River periodic job (on the leader only) and its re-evaluations.
	Watch WatchOptions
}

// Queue is adapter.GroupJobs on River in the adapter's store.
type Queue struct {
	db     *sql.DB
	dollar bool
	eng    engine
	opts   Options
	log    *slog.Logger
	work   atomic.Pointer[workHolder]
	watch  atomic.Pointer[watchHolder]
}

type workHolder struct{ w adapter.GroupJobWork }

var _ adapter.GroupJobs = (*Queue)(nil)

// New builds a Queue on the store's database (its River tables are
// migrated by store.Open). Run starts it.
func New(st *store.Store, opts Options) (*Queue, error) {
	if st == nil {
		return nil, errors.New("jobs: a store is required")
	}
	if opts.JobTimeout == 0 {
		opts.JobTimeout = DefaultJobTimeout
	}
	if opts.RescueAfter == 0 {
		opts.RescueAfter = DefaultRescueAfter
	}
	if opts.Workers == 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.RescueAfter <= opts.JobTimeout {
		return nil, errors.New("jobs: the rescue delay must exceed the job timeout, or running members are taken up twice")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := &Queue{db: st.DB(), opts: opts, log: opts.Logger}
	workers := river.NewWorkers()
	river.AddWorker(workers, &groupWorker{q: q})
	river.AddWorker(workers, &memberWorker{q: q})
	// Every replica works scheduled runs, whichever leader inserts them.
	river.AddWorker(workers, &scheduleWorker{q: q})
	addWatchWorkers(workers, q)
	cfg := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}},
		Workers:              workers,
		JobTimeout:           opts.JobTimeout,
		RescueStuckJobsAfter: opts.RescueAfter,
		MaxAttempts:          opts.MaxAttempts,
		FetchPollInterval:    opts.PollInterval,
		Logger:               slog.New(quieter{Handler: opts.Logger.Handler(), min: slog.LevelWarn}),
		PeriodicJobs:         opts.Watch.periodic(),
	}
	if s := opts.Schedule; s != nil {
		if err := s.check(); err != nil {
			return nil, err
		}
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, s.periodicJobs(opts.Now)...)
	}
	var err error
	switch st.Driver() {
	case store.DriverPostgres:
		q.dollar = true
		q.eng, err = newPostgresEngine(st.Pool(), cfg)
	default:
		q.eng, err = newSQLiteEngine(st.DB(), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return q, nil
}

// Run implements adapter.GroupJobs.
func (q *Queue) Run(ctx context.Context, work adapter.GroupJobWork) error {
	if work == nil {
		return errors.New("jobs: Run needs the work")
	}
	q.work.Store(&workHolder{w: work})
	return q.eng.start(ctx)
}

// Stop implements adapter.GroupJobs: the members running are cancelled, and
// River queues them again (they return their context's error, and nothing
// of theirs is stored), so the next start, here or on another replica, takes
// them up; the rest stay queued.
func (q *Queue) Stop(ctx context.Context) error { return q.eng.stop(ctx) }

func (q *Queue) workOf() adapter.GroupJobWork {
	if h := q.work.Load(); h != nil {
		return h.w
	}
	return nil
}

func (q *Queue) nanos() int64 { return q.opts.Now().UnixNano() }

// Start implements adapter.GroupJobs: the job's row and its rpm_group job
// in one transaction, after the caps are checked in it.
func (q *Queue) Start(ctx context.Context, spec adapter.GroupJobSpec) error {
	_, err := q.start(ctx, spec, false)
	return err
}

// start is Start; once says the id may exist already (a scheduled run
// started before), and then start does nothing and reports false.
func (q *Queue) start(ctx context.Context, spec adapter.GroupJobSpec, once bool) (bool, error) {
	if len(spec.ID) < 16 {
		return false, errors.New("jobs: a job needs a random id")
	}
	key := keyOf(spec.ID)
	now := q.nanos()
	started := false
	err := q.eng.inTx(ctx, func(x execer) ([]river.InsertManyParams, error) {
		if once {
			var n int64
			if err := x.queryRow(ctx, `SELECT count(*) FROM group_jobs WHERE job_key = ?`, key).Scan(&n); err != nil {
				return nil, fmt.Errorf("jobs: %w", err)
			}
			if n > 0 {
				return nil, nil
			}
		}
		if spec.TTL > 0 {
			if _, err := x.exec(ctx, `DELETE FROM group_jobs WHERE state IN ('completed', 'failed', 'cancelled') AND finished_at < ?`,
				now-spec.TTL.Nanoseconds()); err != nil {
				return nil, fmt.Errorf("jobs: %w", err)
			}
		}
		var running, mine int64
		if err := x.queryRow(ctx, `SELECT count(*), coalesce(sum(CASE WHEN owner_label = ? THEN 1 ELSE 0 END), 0)
	FROM group_jobs WHERE state IN ('queued', 'running')`, spec.Owner).Scan(&running, &mine); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		switch {
		case spec.MaxRunning > 0 && running >= int64(spec.MaxRunning):
			return nil, adapter.ErrTooManyJobs
		case spec.MaxPerOwner > 0 && mine >= int64(spec.MaxPerOwner):
			return nil, adapter.ErrTooManyOwnerJobs
		}
		deadline := now + spec.Timeout.Nanoseconds()
		if spec.Timeout <= 0 {
			deadline = now + (24 * time.Hour).Nanoseconds()
		}
		if _, err := x.exec(ctx, `INSERT INTO group_jobs (job_key, job_ref, owner_label, is_write, group_id, request_id, params, state,
	total, created_at, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`, key, spec.ID[:8], spec.Owner, boolInt(spec.Write), spec.GroupID,
			spec.RequestID, spec.Params, spec.Total, now, deadline); err != nil {
			return nil, fmt.Errorf("jobs: recording the job: %w", err)
		}
		started = true
		return []river.InsertManyParams{{Args: groupArgs{JobKey: key}}}, nil
	})
	return started && err == nil, err
}

// Get implements adapter.GroupJobs.
func (q *Queue) Get(ctx context.Context, id string) (adapter.GroupJobStatus, error) {
	st, _, err := q.get(ctx, keyOf(id))
	return st, err
}

func (q *Queue) get(ctx context.Context, key string) (adapter.GroupJobStatus, []byte, error) {
	var st adapter.GroupJobStatus
	var write int64
	var params []byte
	var finished sql.NullInt64
	err := q.row(ctx, `SELECT job_ref, owner_label, is_write, group_id, request_id, params, state, total, done, coalesce(result, ?),
	error_code, error_text, finished_at FROM group_jobs WHERE job_key = ?`, []byte{}, key).Scan(&st.Ref, &st.Owner, &write, &st.GroupID,
		&st.RequestID, &params, &st.State, &st.Total, &st.Done, &st.Result, &st.ErrCode, &st.ErrText, &finished)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return st, nil, fmt.Errorf("job: %w", adapter.ErrNotFound)
	case err != nil:
		return st, nil, fmt.Errorf("jobs: %w", err)
	case st.State == adapter.JobCancelled:
		return st, nil, fmt.Errorf("job: %w", adapter.ErrNotFound)
	}
	st.Write = write == 1
	if finished.Valid {
		st.Finished = time.Unix(0, finished.Int64)
	}
	return st, params, nil
}

// Cancel implements adapter.GroupJobs: a queued or running job becomes
// cancelled, so that its members not yet evaluated are skipped by their
// workers (those running finish); a finished job is deleted.
func (q *Queue) Cancel(ctx context.Context, id string) (bool, error) {
	key := keyOf(id)
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	x := sqlExecer{tx: tx, dollar: q.dollar}
	n, err := x.exec(ctx, `UPDATE group_jobs SET state = 'cancelled', finished_at = ? WHERE job_key = ? AND state IN ('queued', 'running')`,
		q.nanos(), key)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	running := n > 0
	if !running {
		if n, err = x.exec(ctx, `DELETE FROM group_jobs WHERE job_key = ? AND state <> 'cancelled'`, key); err != nil {
			return false, fmt.Errorf("jobs: %w", err)
		}
		if n == 0 {
			return false, fmt.Errorf("job: %w", adapter.ErrNotFound)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	if running {
		if st, _, err := q.getAny(ctx, key); err == nil {
			q.ended(st, "cancelled")
		}
	}
	return running, nil
}

// getAny is get without hiding a cancelled job (for its end's audit).
func (q *Queue) getAny(ctx context.Context, key string) (adapter.GroupJobStatus, []byte, error) {
	var st adapter.GroupJobStatus
	var write int64
	err := q.row(ctx, `SELECT job_ref, owner_label, is_write, group_id, request_id, state, total, done FROM group_jobs
	WHERE job_key = ?`, key).Scan(&st.Ref, &st.Owner, &write, &st.GroupID, &st.RequestID, &st.State, &st.Total, &st.Done)
	st.Write = write == 1
	return st, nil, err
}

func (q *Queue) ended(st adapter.GroupJobStatus, outcome string) {
	if w := q.workOf(); w != nil {
		w.Ended(st, outcome)
	}
}

func (q *Queue) row(ctx context.Context, query string, args ...any) *sql.Row {
	if q.dollar {
		query = dollars(query)
	}
	return q.db.QueryRowContext(ctx, query, args...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// keyOf is how the store knows a job: the SHA-256 of its id, which is the
// status URL's secret and so is never stored or queued in the clear.
func keyOf(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// Running counts the jobs queued or running, of every replica (the API's
// rpm_jobs_running).
func (q *Queue) Running(ctx context.Context) (int, error) {
	var n int
	if err := q.row(ctx, `SELECT count(*) FROM group_jobs WHERE state IN ('queued', 'running')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	return n, nil
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// Defaults of WatchOptions.
const (
	DefaultWatchDebounce = 30 * time.Second
	// watchPollTimeout bounds one poll cycle: a few searches per type and
	// group, and the Group reads.
	watchPollTimeout = 10 * time.Minute
)

// WatchOptions configure the watch jobs (fhir-mapping.md §8).
type WatchOptions struct {
	// Interval is the poll period; 0 runs no poll cycle (re-evaluations
	// asked for by notifications still run).
	Interval time.Duration
	// Debounce is the slot length: every change to one patient in a slot
	// makes one re-evaluation, at the slot's end.
	Debounce time.Duration
}

// watchPollArgs is the rpm_watch_poll job: one poll cycle. River's
// periodic enqueuer inserts it on the elected leader only, so replicas
// sharing a PostgreSQL store never poll twice; it is unique while waiting
// or running, so a slow cycle is not stacked up behind.
type watchPollArgs struct{}

func (watchPollArgs) Kind() string { return "rpm_watch_poll" }

// watchEvalArgs is the rpm_watch_eval job: re-evaluate one patient. It is
// unique by patient and debounce slot (the fields tagged unique), in every
// state, so all the changes of one slot make one job, run once the slot
// has ended: the data it reads then holds every change seen in the slot.
type watchEvalArgs struct {
	Patient string `json:"patient" river:"unique"`
	Slot    int64  `json:"slot" river:"unique"`
	// Seen is the earliest meta.lastUpdated (Unix nanoseconds) of the
	// changes of the first insert; later duplicates are merged into it.
	Seen   int64  `json:"seen,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (watchEvalArgs) Kind() string { return "rpm_watch_eval" }

type watchHolder struct{ w adapter.WatchWork }

var _ adapter.WatchQueue = (*Queue)(nil)

// pollUnique: one poll waiting or running at a time.
var pollUnique = river.UniqueOpts{ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}

func (o WatchOptions) periodic() []*river.PeriodicJob {
	if o.Interval <= 0 {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(o.Interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return watchPollArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: pollUnique}
		}, &river.PeriodicJobOpts{ID: "rpm_watch_poll", RunOnStart: true})}
}

func addWatchWorkers(workers *river.Workers, q *Queue) {
	river.AddWorker(workers, &watchPollWorker{q: q})
	river.AddWorker(workers, &watchEvalWorker{q: q})
}

// SetWatchWork gives the watch jobs their work; call it before Run. Until
// then (and in a process that watches nothing) they fail and River tries
// them again later.
func (q *Queue) SetWatchWork(w adapter.WatchWork) { q.watch.Store(&watchHolder{w: w}) }

func (q *Queue) watchWork() adapter.WatchWork {
	if h := q.watch.Load(); h != nil {
		return h.w
	}
	return nil
}

func (q *Queue) debounce() time.Duration {
	if q.opts.Watch.Debounce > 0 {
		return q.opts.Watch.Debounce
	}
	return DefaultWatchDebounce
}

// QueueReevaluations implements adapter.WatchQueue: one rpm_watch_eval per
// patient and debounce slot, scheduled at the slot's end.
func (q *Queue) QueueReevaluations(ctx context.Context, items []adapter.WatchItem) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	d := q.debounce()
	now := q.opts.Now()
	slot := now.UnixNano() / d.Nanoseconds()
	at := time.Unix(0, (slot+1)*d.Nanoseconds())
	ins := make([]river.InsertManyParams, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		if it.PatientID == "" || seen[it.PatientID] {
			continue
		}
		seen[it.PatientID] = true
		a := watchEvalArgs{Patient: it.PatientID, Slot: slot, Reason: it.Reason}
		if !it.Seen.IsZero() {
			a.Seen = it.Seen.UnixNano()
		}
		ins = append(ins, river.InsertManyParams{Args: a, InsertOpts: &river.InsertOpts{ScheduledAt: at,
			UniqueOpts: river.UniqueOpts{ByArgs: true}}})
	}
	res, err := q.eng.insert(ctx, ins)
	if err != nil {
		return 0, fmt.Errorf("jobs: queueing re-evaluations: %w", err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// QueuePoll implements adapter.WatchQueue.
func (q *Queue) QueuePoll(ctx context.Context) error {
	_, err := q.eng.insert(ctx, []river.InsertManyParams{{Args: watchPollArgs{},
		InsertOpts: &river.InsertOpts{MaxAttempts: 1, UniqueOpts: pollUnique}}})
	if err != nil {
		return fmt.Errorf("jobs: queueing a poll cycle: %w", err)
	}
	return nil
}

// WatchDepth implements adapter.WatchQueue from River's own table.
func (q *Queue) WatchDepth(ctx context.Context) (int, error) {
	var n int
	err := q.row(ctx, `SELECT count(*) FROM river_job WHERE kind = ? AND state IN ('available', 'scheduled', 'running', 'retryable', 'pending')`,
		watchEvalArgs{}.Kind()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	return n, nil
}

var errNoWatch = errors.New("jobs: this process watches nothing")

type watchPollWorker struct {
	river.WorkerDefaults[watchPollArgs]
	q *Queue
}

// Timeout implements river.Worker.
func (w *watchPollWorker) Timeout(*river.Job[watchPollArgs]) time.Duration { return watchPollTimeout }

// Work runs one cycle. A failed cycle is not tried again: the next one
// searches from the same cursors.
func (w *watchPollWorker) Work(ctx context.Context, _ *river.Job[watchPollArgs]) error {
	work := w.q.watchWork()
	if work == nil {
		return errNoWatch
	}
	if err := work.Poll(ctx); err != nil {
		w.q.log.Warn("watch poll cycle failed", "error", err.Error())
		return err
	}
	return nil
}

type watchEvalWorker struct {
	river.WorkerDefaults[watchEvalArgs]
	q *Queue
}

// Work re-evaluates the patient; an error makes River try again with its
// back-off, up to MaxAttempts.
func (w *watchEvalWorker) Work(ctx context.Context, job *river.Job[watchEvalArgs]) error {
	work := w.q.watchWork()
	if work == nil {
		return errNoWatch
	}
	var seen time.Time
	if job.Args.Seen != 0 {
		seen = time.Unix(0, job.Args.Seen)
	}
	return work.Reevaluate(ctx, job.Args.Patient, seen)
}

package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"
)

// Source yields the patients of a population and one patient's data.
type Source interface {
	// Patients lists the patient ids of a group, or every patient the source
	// holds when group is "".
	Patients(ctx context.Context, group string) ([]string, error)
	// Load reads one patient's resources for the span. A patient the source
	// does not know is an error wrapping ErrNotFound.
	Load(ctx context.Context, patientID string, span Span) (*PatientData, error)
}

// Sink receives each patient's outcome.
type Sink interface {
	Write(ctx context.Context, out *Outcome) error
}

// ErrNotFound marks an unknown patient or group.
var ErrNotFound = errors.New("not found")

// Runner evaluates a list of patients with bounded concurrency. One
// patient's failure is recorded and never stops the others.
//
// Each patient is loaded, evaluated and handed to the Sink as soon as it is
// done, so output is written as the run goes. With a Sink, the row a run
// keeps holds the outcome without what the Sink already wrote (Resources,
// Writes, the OperationOutcome JSON) and without the result's evidence
// lists, so a population run's memory does not grow with its write-back or
// its readings; KeepWritten keeps everything.
type Runner struct {
	Source      Source
	Sink        Sink // nil: evaluate only
	Evaluator   *Evaluator
	Concurrency int
	Logger      *slog.Logger
	// Progress, when set, is called after each patient (done of total).
	Progress func(done, total int)
	// KeepWritten keeps each row's whole outcome after the Sink wrote it.
	KeepWritten bool
	// Forget lets a source that can (ndjson.Source) drop a patient's facts
	// once every row of that patient in the run is done, so that a one-pass
	// population run ends holding its rows only and its memory does not
	// grow with the readings. A later Load of a forgotten patient fails:
	// leave it off when the source serves more than one run.
	Forget bool
}

// forgetter is a source that can drop a patient's facts.
type forgetter interface{ Forget(patientID string) }

// Row is one patient's line of a run: an outcome or an error.
type Row struct {
	PatientID string
	Outcome   *Outcome
	Err       error
}

// Summary is a whole run.
type Summary struct {
	Job      Job
	Rows     []Row
	Duration time.Duration
}

// Failed counts patients whose evaluation or write failed.
func (s *Summary) Failed() int {
	n := 0
	for _, r := range s.Rows {
		if r.Err != nil {
			n++
		}
	}
	return n
}

// Run evaluates every patient in ids for the job. It returns an error only
// when the run could not start; per-patient failures are in the summary.
func (r *Runner) Run(ctx context.Context, ids []string, job Job) (*Summary, error) {
	if r.Source == nil || r.Evaluator == nil {
		return nil, errors.New("adapter: runner needs a source and an evaluator")
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	workers := max(r.Concurrency, 1)
	start := time.Now()
	rows := make([]Row, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	// rowsLeft counts each patient's unfinished rows (ids may repeat), so a
	// patient is forgotten only when no worker can still load it.
	forget, _ := r.Source.(forgetter)
	var rowsLeft map[string]int
	if r.Forget && forget != nil {
		rowsLeft = make(map[string]int, len(ids))
		for _, id := range ids {
			rowsLeft[id]++
		}
	}
	for range min(workers, max(len(ids), 1)) {
		wg.Go(func() {
			for i := range next {
				rows[i] = r.one(ctx, ids[i], job)
				if rows[i].Err != nil {
					// The error text is ours and the id is not patient data;
					// never the resource contents.
					log.Warn("patient failed", "row", i, "err", rows[i].Err)
				}
				mu.Lock()
				done++
				if r.Progress != nil {
					r.Progress(done, len(ids))
				}
				last := false
				if rowsLeft != nil {
					rowsLeft[ids[i]]--
					last = rowsLeft[ids[i]] == 0
				}
				mu.Unlock()
				if last {
					forget.Forget(ids[i])
				}
			}
		})
	}
feed:
	for i := range ids {
		select {
		case next <- i:
		case <-ctx.Done():
			for j := i; j < len(ids); j++ {
				rows[j] = Row{PatientID: ids[j], Err: ctx.Err()}
			}
			break feed
		}
	}
	close(next)
	wg.Wait()
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].PatientID < rows[b].PatientID })
	return &Summary{Job: job, Rows: rows, Duration: time.Since(start)}, nil
}

func (r *Runner) one(ctx context.Context, id string, job Job) Row {
	row := Row{PatientID: id}
	if ForeignMember(id) {
		row.Outcome = foreignOutcome(id)
		return row
	}
	pd, err := r.Source.Load(ctx, id, job.span())
	if err != nil {
		row.Err = fmt.Errorf("load: %w", err)
		return row
	}
	out, err := r.Evaluator.Evaluate(pd, job)
	if err != nil {
		row.Err = fmt.Errorf("evaluate: %w", err)
		return row
	}
	row.Outcome = out
	if r.Sink != nil {
		if err := r.Sink.Write(ctx, out); err != nil {
			row.Err = fmt.Errorf("write: %w", err)
		} else if !r.KeepWritten {
			row.Outcome = written(out)
		}
	}
	return row
}

// written is what a row keeps of an outcome the Sink wrote: the verdicts
// (windows, counts, code lines, findings, progress), not the resources nor
// the per-day and per-interval evidence, which are in the written output.
func written(out *Outcome) *Outcome {
	slim := &Outcome{PatientID: out.PatientID, NotEvaluated: out.NotEvaluated,
		Issues: out.Issues, Warnings: out.Warnings}
	if res := out.Result; res != nil {
		r := *res
		r.Periods = slices.Clone(res.Periods)
		for i := range r.Periods {
			r.Periods[i].Evidence = nil
		}
		r.Months = slices.Clone(res.Months)
		for i := range r.Months {
			r.Months[i].Evidence = nil
			r.Months[i].InteractiveRefs = nil
		}
		slim.Result = &r
	}
	return slim
}

package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// Service evaluates patients for the API; the command wires it to the
// adapter's source, evaluator and sink. Errors are classified by ErrorCode:
// wrap adapter.ErrNotFound for an unknown patient or group, and let
// fhirclient's errors through for upstream failures.
type Service interface {
	// EvaluatePatient evaluates one patient; write=true writes the results
	// back. "Not evaluated" is an Outcome with NotEvaluated set, not an error.
	EvaluatePatient(ctx context.Context, patientID string, job adapter.Job, write bool) (*adapter.Outcome, error)
	// GroupMembers lists a group's patient ids (adapter.ErrNotFound when unknown).
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
	// Ready checks that the FHIR source answers.
	Ready(ctx context.Context) error
}

// evaluate runs one evaluation and counts its outcome.
func (s *Server) evaluate(ctx context.Context, id string, job adapter.Job, write bool) (*adapter.Outcome, error) {
	out, err := s.svc.EvaluatePatient(ctx, id, job, write)
	switch {
	case err != nil:
		s.metrics.evaluation("failed")
		return nil, err
	case out == nil:
		s.metrics.evaluation("failed")
		return nil, errors.New("api: the service returned neither an outcome nor an error")
	case out.Result == nil:
		s.metrics.evaluation("not_evaluated")
	default:
		s.metrics.evaluation("evaluated")
	}
	return out, nil
}

// memberResult is one member's line of a Group answer. In summary mode the
// outcome is dropped once counted, so a large group costs little memory.
type memberResult struct {
	id           string
	err          error
	out          *adapter.Outcome
	notEvaluated string         // summary mode: why, when not evaluated
	resources    map[string]int // summary mode: resources by type
	issues       int            // summary mode: input issues and warnings
}

// evaluateMembers evaluates the members with bounded concurrency, each
// within PatientTimeout. A member's failure is recorded, never fatal; once
// ctx ends the members not yet started fail with its error. done is called
// after each member.
func (s *Server) evaluateMembers(ctx context.Context, ids []string, job adapter.Job, write, summary bool,
	log *slog.Logger, done func()) []memberResult {
	rows := make([]memberResult, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.cfg.GroupConcurrency, max(len(ids), 1)) {
		wg.Go(func() {
			for i := range next {
				rows[i] = s.member(ctx, ids[i], job, write, summary, log)
				if err := rows[i].err; err != nil && ErrorCode(err) == EINTERNAL {
					// The row, not the patient id: ids stay in results.
					log.Warn("group member failed", "row", i, "err", err)
				}
				done()
			}
		})
	}
	for i := range ids {
		if ctx.Err() != nil {
			rows[i] = memberResult{id: ids[i], err: ctx.Err()}
			done()
			continue
		}
		select {
		case next <- i:
		case <-ctx.Done():
			rows[i] = memberResult{id: ids[i], err: ctx.Err()}
			done()
		}
	}
	close(next)
	wg.Wait()
	return rows
}

func (s *Server) member(ctx context.Context, id string, job adapter.Job, write, summary bool,
	log *slog.Logger) (r memberResult) {
	r.id = id
	defer func() {
		// One member's panic must not take the whole group, or the process
		// when it runs in a job, down with it. The stack is logged; the
		// panic value is not, as it could hold anything.
		if v := recover(); v != nil {
			log.Error("panic in a group member", "panic", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
			r = memberResult{id: id, err: fmt.Errorf("api: panic evaluating a member: %T", v)}
		}
	}()
	// The slot is awaited before the member's own budget starts: waiting
	// for other callers is not this member's slowness.
	if err := s.inflight.acquire(ctx); err != nil {
		r.err = err
		return r
	}
	defer s.inflight.release()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PatientTimeout)
	defer cancel()
	out, err := s.evaluate(ctx, id, job, write)
	if err != nil {
		r.err = err
		return r
	}
	if !summary {
		r.out = out
		return r
	}
	if out.Result == nil {
		r.notEvaluated = out.NotEvaluated
		if r.notEvaluated == "" {
			r.notEvaluated = "no reason given"
		}
	}
	r.resources = map[string]int{}
	for _, res := range out.Resources {
		r.resources[res.Type]++
	}
	issues, err := outcomeIssues(&adapter.Outcome{OperationOutcome: out.OperationOutcome, Warnings: out.Warnings, Result: out.Result}, "")
	if err != nil {
		r.err = err
		return r
	}
	r.issues = len(issues)
	return r
}

package adapter

import (
	"context"
	"errors"
	"fmt"
)

// Service evaluates one patient at a time for the HTTP API: the source to
// read, the evaluator, and the sink that write=true writes to.
type Service struct {
	Source    Source
	Evaluator *Evaluator
	// Sink receives the outcome when the caller asks to write; nil refuses
	// writing with ErrWriteDisabled.
	Sink Sink
	// Record, when set, receives every outcome that was not written to
	// Sink (write=false): the adapter's store records every evaluation the
	// service makes, written back or not.
	Record Sink
	// Ping checks that the source answers (GET /readyz); nil means always.
	Ping func(ctx context.Context) error
}

// ErrWriteDisabled is returned when write=true is asked of a service that
// has nowhere to write.
var ErrWriteDisabled = errors.New("writing is not configured for this service")

// NewService checks its dependencies.
func NewService(src Source, ev *Evaluator, sink Sink) (*Service, error) {
	if src == nil || ev == nil {
		return nil, errors.New("adapter: service needs a source and an evaluator")
	}
	return &Service{Source: src, Evaluator: ev, Sink: sink}, nil
}

// EvaluatePatient loads, evaluates and, when write is set, writes one patient.
func (s *Service) EvaluatePatient(ctx context.Context, id string, job Job, write bool) (*Outcome, error) {
	if write && s.Sink == nil {
		return nil, ErrWriteDisabled
	}
	if ForeignMember(id) {
		return foreignOutcome(id), nil
	}
	pd, err := s.Source.Load(ctx, id, job.span())
	if err != nil {
		return nil, err
	}
	out, err := s.Evaluator.Evaluate(pd, job)
	if err != nil {
		return nil, err
	}
	if write {
		if err := s.Sink.Write(ctx, out); err != nil {
			return nil, fmt.Errorf("write: %w", err)
		}
		// The caller answers 200 once this returns: the result must be on
		// disk by then, not in a buffer (issue 11, point 10).
		if sy, ok := s.Sink.(Syncer); ok {
			if err := sy.Sync(); err != nil {
				return nil, fmt.Errorf("write: %w", err)
			}
		}
	} else if s.Record != nil {
		if err := s.Record.Write(ctx, out); err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
	}
	return out, nil
}

// Syncer is a Sink whose writes are buffered: Sync makes everything
// written so far durable. The Service calls it before a write is
// acknowledged; a batch run leaves it to the sink's Close.
type Syncer interface {
	Sync() error
}

// GroupMembers lists a group's patients. A member whose absolute
// reference points outside the FHIR base is listed by that reference, and
// EvaluatePatient answers it as not evaluated.
func (s *Service) GroupMembers(ctx context.Context, group string) ([]string, error) {
	if group == "" {
		return nil, fmt.Errorf("group: %w", ErrNotFound)
	}
	return s.Source.Patients(ctx, group)
}

// Ready says whether the source answers.
func (s *Service) Ready(ctx context.Context) error {
	if s.Ping == nil {
		return nil
	}
	return s.Ping(ctx)
}

package api

import (
	"context"
)

// inflight bounds the patient evaluations running at once across the whole
// server: synchronous Patient and Group requests and async jobs share it
// (issue 11, point 7), so no mix of callers puts more than MaxInflight
// evaluations' searches on the FHIR server at once.
type inflight struct {
	slots chan struct{}
}

func newInflight(n int) *inflight { return &inflight{slots: make(chan struct{}, n)} }

// tryAcquire takes a slot if one is free now. A synchronous request that
// finds none is answered 503 with Retry-After, rather than queued: the
// caller's timeout would run out in the queue anyway.
func (l *inflight) tryAcquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// acquire waits for a slot or for ctx: a Group's members queue, since their
// request or job has been admitted already.
func (l *inflight) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *inflight) release() { <-l.slots }

// errBusy is the answer past the bound.
var errBusy = Errorf(EBUSY, "too many evaluations are in flight; retry later")

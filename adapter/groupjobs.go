package adapter

import (
	"context"
	"errors"
	"time"
)

// GroupJobs runs the API's async Group evaluations durably: adapter/jobs
// implements it on River, in the adapter's store, so that any replica answers
// a job's status and a restart loses nothing. The API uses it through this
// interface and never imports River.
type GroupJobs interface {
	// Start records a new job and queues the work that reads its members
	// and evaluates each, in one transaction. It refuses with
	// ErrTooManyJobs or ErrTooManyOwnerJobs past spec's caps.
	Start(ctx context.Context, spec GroupJobSpec) error
	// Get returns a job; ErrNotFound when it is unknown, cancelled or
	// expired.
	Get(ctx context.Context, id string) (GroupJobStatus, error)
	// Cancel stops a queued or running job (true; its remaining members are
	// not evaluated) or deletes a finished one (false); ErrNotFound when
	// there is none.
	Cancel(ctx context.Context, id string) (wasRunning bool, err error)
	// Run starts working jobs with work until Stop.
	Run(ctx context.Context, work GroupJobWork) error
	// Stop lets running members finish (or be taken up again after a
	// restart) and stops working.
	Stop(ctx context.Context) error
}

// GroupJobs refusals at Start.
var (
	ErrTooManyJobs      = errors.New("the most jobs are running already")
	ErrTooManyOwnerJobs = errors.New("this token runs the most jobs it may already")
)

// GroupJobSpec is a new job. Params are opaque to GroupJobs: the API
// encodes them and gets them back in GroupJobWork's calls.
type GroupJobSpec struct {
	ID          string // 128 random bits, hex: the status URL's secret
	Owner       string // token label: nobody else may see the job
	Write       bool
	GroupID     string
	RequestID   string
	Params      []byte
	Total       int           // members known at the request (the job reads them again)
	Timeout     time.Duration // members not started by then fail with a deadline
	MaxRunning  int           // jobs queued or running at once, all owners
	MaxPerOwner int           // jobs queued or running at once, per Owner
	TTL         time.Duration // how long a finished job is kept
}

// Job states.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobCompleted = "completed"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// GroupJobStatus is a job as the store holds it.
type GroupJobStatus struct {
	Ref, Owner, GroupID, RequestID string // Ref: the id's first 8 hex digits, its name in logs
	Write                          bool
	State                          string // one of the Job* states
	Done, Total                    int
	Result                         []byte    // the answer, once completed
	ErrCode, ErrText               string    // why it failed, in the API's words
	Finished                       time.Time // when it completed or failed; zero while it runs
}

// GroupJobWork is the API's side of a job: what to do with its members.
type GroupJobWork interface {
	// Members lists the group's patients. An error the API can describe
	// is a *JobError; the job fails with it.
	Members(ctx context.Context, groupID string, params []byte) ([]string, error)
	// Member evaluates one patient and returns its line of the answer; a
	// failure is in the line, never an error.
	Member(ctx context.Context, patientID string, params []byte) []byte
	// Result builds the answer from the lines, in member order.
	Result(params []byte, lines [][]byte) ([]byte, error)
	// Ended is told once when a job completes, fails or is cancelled.
	Ended(st GroupJobStatus, outcome string)
}

// JobError is why a job failed, in words safe to answer with.
type JobError struct {
	Code, Message string
}

func (e *JobError) Error() string { return e.Message }

package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// jobState is where an async job is.
type jobState int

const (
	jobRunning jobState = iota
	jobDone
	jobFailed
)

// job is one async Group evaluation. Its id is 128 random bits: the status
// URL is as good as a password to its results, so logs carry only jobRef.
type job struct {
	id     string
	owner  string // label of the token that started it: nobody else sees it
	write  bool   // it writes results back: cancelling it needs the write role
	total  int
	done   atomic.Int64
	cancel context.CancelFunc
	onEnd  func(ref, outcome string) // called once, outside the lock, when it ends

	// Guarded by the store's mutex.
	state    jobState
	result   []byte
	err      error
	finished time.Time
}

// jobRef names a job in logs without giving its status URL away.
func jobRef(id string) string { return id[:8] }

// jobView is a consistent copy of a job for a handler.
type jobView struct {
	state       jobState
	done, total int
	result      []byte
	err         error
}

// jobStore keeps jobs in memory: at most maxRunning running, finished ones
// for ttl and at most maxRetained in all. Nothing survives a restart.
type jobStore struct {
	mu          sync.Mutex
	jobs        map[string]*job
	running     int
	byOwner     map[string]int // running jobs per owner label
	maxRunning  int
	maxPerOwner int
	maxRetained int
	ttl         time.Duration
	now         func() time.Time
	metrics     *Metrics

	base    context.Context // parent of every job; cancelled by close
	stopAll context.CancelFunc
	wg      sync.WaitGroup
}

func newJobStore(cfg Config, m *Metrics) *jobStore {
	base, stop := context.WithCancel(context.Background())
	return &jobStore{jobs: map[string]*job{}, byOwner: map[string]int{}, maxRunning: cfg.MaxJobs,
		maxPerOwner: cfg.MaxJobsPerToken, maxRetained: cfg.MaxRetainedJobs,
		ttl: cfg.JobTTL, now: cfg.Now, metrics: m, base: base, stopAll: stop}
}

// jobFunc is the work of a job: it calls step after each of its steps,
// returns when ctx ends, and names itself in logs by ref only.
type jobFunc func(ctx context.Context, ref string, step func()) ([]byte, error)

// jobSpec is what start needs to know of a new job.
type jobSpec struct {
	owner   string
	write   bool
	total   int
	timeout time.Duration
	onEnd   func(ref, outcome string) // nil: nothing
}

// start runs fn in the background as a new job of spec.total steps, or
// refuses with ETOOMANY when maxRunning jobs run already, or maxPerOwner of
// the same owner.
func (s *jobStore) start(spec jobSpec, fn jobFunc) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	if s.running >= s.maxRunning || s.base.Err() != nil {
		s.metrics.jobRejected()
		return "", Errorf(ETOOMANY, "%d jobs are running already; retry later", s.running)
	}
	if s.byOwner[spec.owner] >= s.maxPerOwner {
		s.metrics.jobRejected()
		return "", Errorf(ETOOMANY, "this token runs %d jobs already, the most it may; retry later", s.byOwner[spec.owner])
	}
	s.evictLocked()
	var b [16]byte
	_, _ = rand.Read(b[:])
	j := &job{id: hex.EncodeToString(b[:]), owner: spec.owner, write: spec.write, total: spec.total, onEnd: spec.onEnd}
	ctx, cancel := context.WithTimeout(s.base, spec.timeout)
	j.cancel = cancel
	s.jobs[j.id] = j
	s.running++
	s.byOwner[j.owner]++
	s.metrics.jobStarted()
	s.wg.Go(func() {
		defer cancel()
		result, err := runJob(ctx, fn, jobRef(j.id), func() { j.done.Add(1) })
		s.finish(j, result, err)
	})
	return j.id, nil
}

// runJob runs fn, turning a panic into the job's error.
func runJob(ctx context.Context, fn jobFunc, ref string, step func()) (result []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			result, err = nil, fmt.Errorf("api: panic in job: %T", v)
		}
	}()
	return fn(ctx, ref, step)
}

func (s *jobStore) finish(j *job, result []byte, err error) {
	outcome := s.finishLocked(j, result, err)
	if j.onEnd != nil {
		j.onEnd(jobRef(j.id), outcome)
	}
}

func (s *jobStore) finishLocked(j *job, result []byte, err error) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	if s.byOwner[j.owner]--; s.byOwner[j.owner] <= 0 {
		delete(s.byOwner, j.owner)
	}
	outcome := "completed"
	switch {
	case s.jobs[j.id] != j:
		outcome = "cancelled" // deleted while running; nobody may read it
	case err != nil:
		outcome = "failed"
		j.state, j.err = jobFailed, err
	default:
		// Also when the job timed out or the server is stopping: members
		// past the deadline are failures in a result still worth reading.
		j.state, j.result = jobDone, result
	}
	j.finished = s.now()
	s.metrics.jobEnded(outcome)
	return outcome
}

// get returns a view of the job, false when it is unknown, expired,
// cancelled or another owner's: to anyone but its owner a job does not
// exist (issue 11, point 9).
func (s *jobStore) get(id, owner string) (jobView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	j, ok := s.jobs[id]
	if !ok || j.owner != owner {
		return jobView{}, false
	}
	return jobView{state: j.state, done: int(j.done.Load()), total: j.total, result: j.result, err: j.err}, true
}

// remove cancels a running job or deletes a finished one of who's. It
// reports whether the job was running, and errNoJob when it does not exist
// for who, EFORBIDDEN when it writes and who may not.
func (s *jobStore) remove(id string, who caller) (wasRunning bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	j, ok := s.jobs[id]
	if !ok || j.owner != who.label {
		return false, errNoJob
	}
	if j.write && !who.canWrite() {
		return false, Errorf(EFORBIDDEN, "this job writes results back: cancelling it needs a token with the write role")
	}
	delete(s.jobs, id)
	if j.state == jobRunning {
		j.cancel()
		return true, nil
	}
	return false, nil
}

// sweepLocked drops finished jobs older than ttl.
func (s *jobStore) sweepLocked() {
	now := s.now()
	for id, j := range s.jobs {
		if j.state != jobRunning && now.Sub(j.finished) >= s.ttl {
			delete(s.jobs, id)
		}
	}
}

// evictLocked makes room for one more job by dropping the oldest finished
// ones; running jobs are never evicted (start caps them).
func (s *jobStore) evictLocked() {
	for len(s.jobs) >= s.maxRetained {
		var oldest *job
		for _, j := range s.jobs {
			if j.state != jobRunning && (oldest == nil || j.finished.Before(oldest.finished)) {
				oldest = j
			}
		}
		if oldest == nil {
			return
		}
		delete(s.jobs, oldest.id)
	}
}

// close cancels every job and waits for them to stop, or for ctx.
func (s *jobStore) close(ctx context.Context) error {
	// Under the lock, so that no start is between its check and wg.Go.
	s.mu.Lock()
	s.stopAll()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

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
	total  int
	done   atomic.Int64
	cancel context.CancelFunc

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
	maxRunning  int
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
	return &jobStore{jobs: map[string]*job{}, maxRunning: cfg.MaxJobs, maxRetained: cfg.MaxRetainedJobs,
		ttl: cfg.JobTTL, now: cfg.Now, metrics: m, base: base, stopAll: stop}
}

// jobFunc is the work of a job: it calls step after each of its steps,
// returns when ctx ends, and names itself in logs by ref only.
type jobFunc func(ctx context.Context, ref string, step func()) ([]byte, error)

// start runs fn in the background as a new job of total steps, or refuses
// with ETOOMANY when maxRunning jobs run already.
func (s *jobStore) start(total int, timeout time.Duration, fn jobFunc) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	if s.running >= s.maxRunning || s.base.Err() != nil {
		s.metrics.jobRejected()
		return "", Errorf(ETOOMANY, "%d jobs are running already; retry later", s.running)
	}
	s.evictLocked()
	var b [16]byte
	_, _ = rand.Read(b[:])
	j := &job{id: hex.EncodeToString(b[:]), total: total}
	ctx, cancel := context.WithTimeout(s.base, timeout)
	j.cancel = cancel
	s.jobs[j.id] = j
	s.running++
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
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
}

// get returns a view of the job, false when it is unknown, expired or
// cancelled.
func (s *jobStore) get(id string) (jobView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	j, ok := s.jobs[id]
	if !ok {
		return jobView{}, false
	}
	return jobView{state: j.state, done: int(j.done.Load()), total: j.total, result: j.result, err: j.err}, true
}

// remove cancels a running job or deletes a finished one. It reports
// whether the job was running and whether it existed.
func (s *jobStore) remove(id string) (wasRunning, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	j, ok := s.jobs[id]
	if !ok {
		return false, false
	}
	delete(s.jobs, id)
	if j.state == jobRunning {
		j.cancel()
		return true, true
	}
	return false, true
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

package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// fakeWork is a GroupJobWork whose members are named by the group id
// ("g3" has p0, p1, p2) and whose line is the patient id; the answer
// joins the lines. gate, when set, holds each member until it is closed.
type fakeWork struct {
	mu        sync.Mutex
	evaluated map[string]int
	ended     []string
	gate      chan struct{}
	started   chan string
	membersFn func(group string) ([]string, error)
}

func (w *fakeWork) Members(_ context.Context, group string, _ []byte) ([]string, error) {
	if w.membersFn != nil {
		return w.membersFn(group)
	}
	var n int
	fmt.Sscanf(group, "g%d", &n)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%d", i)
	}
	return ids, nil
}

func (w *fakeWork) Member(ctx context.Context, patient string, params []byte) []byte {
	if w.started != nil {
		select {
		case w.started <- patient:
		default:
		}
	}
	if w.gate != nil {
		select {
		case <-w.gate:
		case <-ctx.Done():
			return []byte(`"` + patient + `:` + ctx.Err().Error() + `"`)
		}
	}
	w.mu.Lock()
	if w.evaluated == nil {
		w.evaluated = map[string]int{}
	}
	w.evaluated[patient]++
	w.mu.Unlock()
	return []byte(`"` + patient + `"`)
}

func (w *fakeWork) Result(params []byte, lines [][]byte) ([]byte, error) {
	parts := []string{string(params)}
	for _, l := range lines {
		parts = append(parts, string(l))
	}
	return []byte(strings.Join(parts, ",")), nil
}

func (w *fakeWork) Ended(st adapter.GroupJobStatus, outcome string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ended = append(w.ended, st.Ref+":"+outcome)
}

// endedSoon waits for the n-th end to be told: it is told just after the
// commit that a poller may see first.
func (w *fakeWork) endedSoon(n int) []string {
	for range 250 {
		if _, ended := w.counts(); len(ended) >= n {
			return ended
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, ended := w.counts()
	return ended
}

func (w *fakeWork) counts() (map[string]int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps(w.evaluated), slices.Clone(w.ended)
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

const (
	jobA = "aaaaaaaa000000000000000000000001"
	jobB = "bbbbbbbb000000000000000000000002"
	jobC = "cccccccc000000000000000000000003"
)

func spec(id, owner, group string) adapter.GroupJobSpec {
	return adapter.GroupJobSpec{ID: id, Owner: owner, Write: true, GroupID: group, RequestID: "req-" + id[:4],
		Params: []byte(`"params"`), Total: 3, Timeout: time.Hour, MaxRunning: 4, MaxPerOwner: 2, TTL: time.Hour}
}

func newQueue(t *testing.T, dsn string, work adapter.GroupJobWork) *Queue {
	t.Helper()
	q, err := New(openStore(t, dsn), Options{JobTimeout: 5 * time.Second, RescueAfter: 10 * time.Second,
		PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if work != nil {
		if err := q.Run(context.Background(), work); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			q.Stop(ctx)
		})
	}
	return q
}

// waitState polls the job until it reaches state or the time runs out.
func waitState(t *testing.T, q *Queue, id, state string) adapter.GroupJobStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := q.Get(context.Background(), id)
		if err == nil && st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v, %v; want state %s", id[:8], st, err, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJobEvaluatesEveryMemberOnceAndStoresTheAnswerInMemberOrder(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		w := &fakeWork{}
		q := newQueue(t, dsn, w)
		if err := q.Start(context.Background(), spec(jobA, "ehr", "g12")); err != nil {
			t.Fatal(err)
		}
		st := waitState(t, q, jobA, adapter.JobCompleted)
		want := `"params"`
		for i := range 12 {
			want += fmt.Sprintf(`,"p%d"`, i)
		}
		if string(st.Result) != want {
			t.Errorf("result %s, want %s", st.Result, want)
		}
		if st.Done != 12 || st.Total != 12 || st.Owner != "ehr" || !st.Write || st.GroupID != "g12" || st.Ref != "aaaaaaaa" {
			t.Errorf("status %+v", st)
		}
		evaluated, _ := w.counts()
		ended := w.endedSoon(1)
		for i := range 12 {
			if n := evaluated[fmt.Sprintf("p%d", i)]; n != 1 {
				t.Errorf("p%d evaluated %d times", i, n)
			}
		}
		if !slices.Equal(ended, []string{"aaaaaaaa:completed"}) {
			t.Errorf("ended %v", ended)
		}
	})
}

func TestAnEmptyGroupCompletesWithAnEmptyAnswer(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		q := newQueue(t, dsn, &fakeWork{})
		if err := q.Start(context.Background(), spec(jobA, "ehr", "g0")); err != nil {
			t.Fatal(err)
		}
		if st := waitState(t, q, jobA, adapter.JobCompleted); string(st.Result) != `"params"` || st.Total != 0 {
			t.Errorf("status %+v", st)
		}
	})
}

// The id is the status URL's secret: the store and River's table keep only
// its hash, and an unknown id is not found.
func TestTheJobIDIsKeptOnlyAsAHash(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		st := openStore(t, dsn)
		q, err := New(st, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(context.Background(), spec(jobA, "ehr", "g3")); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.DB().QueryRow(`SELECT count(*) FROM group_jobs WHERE job_key = '` + jobA + `'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("the id in the clear: %d rows, %v", n, err)
		}
		var args string
		if err := st.DB().QueryRow(`SELECT CAST(args AS TEXT) FROM river_job`).Scan(&args); err != nil || strings.Contains(args, jobA) ||
			!strings.Contains(args, keyOf(jobA)) {
			t.Errorf("River's args %q, %v", args, err)
		}
		if _, err := q.Get(context.Background(), jobB); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("an unknown job: %v", err)
		}
	})
}

// A restart (a new Queue on the same database) finds the job with its owner
// and write flag, and finishes it.
func TestAJobSurvivesARestartWithItsOwnerAndWriteFlag(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		first := newQueue(t, dsn, nil) // never runs: the process "dies" before working
		if err := first.Start(context.Background(), spec(jobA, "ehr", "g5")); err != nil {
			t.Fatal(err)
		}
		w := &fakeWork{}
		second := newQueue(t, dsn, w)
		st := waitState(t, second, jobA, adapter.JobCompleted)
		if st.Owner != "ehr" || !st.Write || st.Done != 5 {
			t.Errorf("after the restart: %+v", st)
		}
	})
}

func TestCapsRefuseJobsPastTheLimits(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		q := newQueue(t, dsn, nil)
		ctx := context.Background()
		if err := q.Start(ctx, spec(jobA, "ehr", "g3")); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx, spec(jobB, "ehr", "g3")); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx, spec(jobC, "ehr", "g3")); !errors.Is(err, adapter.ErrTooManyOwnerJobs) {
			t.Errorf("a third job of one owner: %v", err)
		}
		s := spec(jobC, "dashboard", "g3")
		s.MaxRunning = 2
		if err := q.Start(ctx, s); !errors.Is(err, adapter.ErrTooManyJobs) {
			t.Errorf("past the running cap: %v", err)
		}
		if err := q.Start(ctx, spec(jobC, "dashboard", "g3")); err != nil {
			t.Errorf("another owner under the caps: %v", err)
		}
	})
}

// DELETE of a running job: the members not yet evaluated are skipped, the
// job is gone for everyone, and its end is told once.
func TestCancelSkipsTheRemainingMembers(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		w := &fakeWork{gate: make(chan struct{}), started: make(chan string, 1)}
		q := newQueue(t, dsn, w)
		if err := q.Start(context.Background(), spec(jobA, "ehr", "g200")); err != nil {
			t.Fatal(err)
		}
		<-w.started
		running, err := q.Cancel(context.Background(), jobA)
		if err != nil || !running {
			t.Fatalf("Cancel = %v, %v", running, err)
		}
		close(w.gate)
		if _, err := q.Get(context.Background(), jobA); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("a cancelled job: %v", err)
		}
		time.Sleep(time.Second) // the queued members run and find the job cancelled
		evaluated, ended := w.counts()
		if len(evaluated) > DefaultWorkers {
			t.Errorf("%d members evaluated after the cancel (at most the %d running may finish)", len(evaluated), DefaultWorkers)
		}
		if !slices.Equal(ended, []string{"aaaaaaaa:cancelled"}) {
			t.Errorf("ended %v", ended)
		}
		if _, err := q.Cancel(context.Background(), jobA); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("a second cancel: %v", err)
		}
	})
}

func TestDeletingAFinishedJobRemovesIt(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		q := newQueue(t, dsn, &fakeWork{})
		if err := q.Start(context.Background(), spec(jobA, "ehr", "g2")); err != nil {
			t.Fatal(err)
		}
		waitState(t, q, jobA, adapter.JobCompleted)
		if running, err := q.Cancel(context.Background(), jobA); err != nil || running {
			t.Fatalf("Cancel = %v, %v", running, err)
		}
		if _, err := q.Get(context.Background(), jobA); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("a deleted job: %v", err)
		}
	})
}

func TestUnreadableMembersFailTheJobWithTheAPIsWords(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		w := &fakeWork{membersFn: func(string) ([]string, error) {
			return nil, &adapter.JobError{Code: "not_found", Message: "no such group"}
		}}
		q := newQueue(t, dsn, w)
		if err := q.Start(context.Background(), spec(jobA, "ehr", "g3")); err != nil {
			t.Fatal(err)
		}
		st := waitState(t, q, jobA, adapter.JobFailed)
		if st.ErrCode != "not_found" || st.ErrText != "no such group" {
			t.Errorf("status %+v", st)
		}
	})
}

// A member's worker that runs again after its first run committed (River
// rescued it from a dead replica, or retried it) evaluates nothing and counts
// nothing twice; a member whose first run died before the commit is
// evaluated again and counted once.
func TestARescuedMemberIsCountedOnce(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		q := newQueue(t, dsn, nil)
		w := &fakeWork{}
		q.work.Store(&workHolder{w: w})
		ctx := context.Background()
		if err := q.Start(ctx, spec(jobA, "ehr", "g2")); err != nil {
			t.Fatal(err)
		}
		gw := &groupWorker{q: q}
		if err := gw.Work(ctx, &river.Job[groupArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: groupArgs{JobKey: keyOf(jobA)}}); err != nil {
			t.Fatal(err)
		}
		// The group's worker rescued too: no member is queued twice.
		if err := gw.Work(ctx, &river.Job[groupArgs]{JobRow: &rivertype.JobRow{Attempt: 2, MaxAttempts: 5}, Args: groupArgs{JobKey: keyOf(jobA)}}); err != nil {
			t.Fatal(err)
		}
		var members int
		if err := q.row(ctx, `SELECT count(*) FROM group_job_members WHERE job_key = ?`, keyOf(jobA)).Scan(&members); err != nil || members != 2 {
			t.Fatalf("%d member rows, %v", members, err)
		}
		mw := &memberWorker{q: q}
		run := func(idx, attempt int) {
			t.Helper()
			if err := mw.Work(ctx, &river.Job[memberArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5},
				Args: memberArgs{JobKey: keyOf(jobA), Index: idx}}); err != nil {
				t.Fatal(err)
			}
		}
		run(0, 1)
		run(0, 2) // rescued after its commit
		st, err := q.Get(ctx, jobA)
		if err != nil || st.Done != 1 || st.State != adapter.JobRunning {
			t.Fatalf("after member 0 twice: %+v, %v", st, err)
		}
		run(1, 1)
		st = waitState(t, q, jobA, adapter.JobCompleted)
		if string(st.Result) != `"params","p0","p1"` || st.Done != 2 {
			t.Errorf("status %+v", st)
		}
		evaluated, _ := w.counts()
		ended := w.endedSoon(1)
		if evaluated["p0"] != 1 || evaluated["p1"] != 1 {
			t.Errorf("evaluated %v", evaluated)
		}
		if len(ended) != 1 {
			t.Errorf("ended %v", ended)
		}
	})
}

func TestARescueDelayNotPastTheJobTimeoutIsRefused(t *testing.T) {
	st := openStore(t, drivers[0].dsn(t))
	if _, err := New(st, Options{JobTimeout: time.Minute, RescueAfter: time.Minute}); err == nil {
		t.Error("a rescue delay equal to the timeout was accepted")
	}
	q, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q.opts.RescueAfter+30*time.Second > 2*time.Minute+time.Second || q.opts.JobTimeout >= q.opts.RescueAfter {
		t.Errorf("defaults %v / %v: a dead replica's members would wait longer than about two minutes", q.opts.JobTimeout, q.opts.RescueAfter)
	}
}

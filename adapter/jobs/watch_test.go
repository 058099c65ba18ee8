package jobs

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// fakeWatch counts what the watch jobs ask of it.
type fakeWatch struct {
	mu    sync.Mutex
	evals map[string]int
	polls atomic.Int64
}

func (f *fakeWatch) Poll(context.Context) error { f.polls.Add(1); return nil }

func (f *fakeWatch) Reevaluate(_ context.Context, pid string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.evals == nil {
		f.evals = map[string]int{}
	}
	f.evals[pid]++
	return nil
}

func (f *fakeWatch) count(pid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.evals[pid]
}

func watchQueue(t *testing.T, dsn string, opts WatchOptions, w adapter.WatchWork, now func() time.Time) *Queue {
	t.Helper()
	q, err := New(openStore(t, dsn), Options{JobTimeout: 5 * time.Second, RescueAfter: 10 * time.Second,
		PollInterval: 100 * time.Millisecond, Watch: opts, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	q.SetWatchWork(w)
	if err := q.Run(context.Background(), &fakeWork{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return q
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
}

// TestReevaluationsAreOnePerPatientAndDebounceSlot: the changes to one
// patient within a slot make one job, run once the slot has ended; a
// change in a later slot makes another.
func TestReevaluationsAreOnePerPatientAndDebounceSlot(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := &fakeWatch{}
		// The queue's clock stands still during the burst (the race
		// detector on a loaded machine may take seconds over it), so the
		// burst is in one slot; it moves one slot on for the later change.
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		q := watchQueue(t, dsn, WatchOptions{Debounce: 3 * time.Second}, w, func() time.Time { return time.Unix(0, clock.Load()) })
		n := 0
		for range 5 {
			k, err := q.QueueReevaluations(ctx, []adapter.WatchItem{{PatientID: "p1", Reason: "change"}, {PatientID: "p2", Reason: "change"}})
			if err != nil {
				t.Fatal(err)
			}
			n += k
		}
		if n != 2 {
			t.Fatalf("5 bursts for 2 patients queued %d jobs, want 2", n)
		}
		if depth, err := q.WatchDepth(ctx); err != nil || depth != 2 {
			t.Fatalf("depth %d (%v), want 2", depth, err)
		}
		if w.count("p1") != 0 {
			t.Fatal("a re-evaluation ran before its slot ended")
		}
		eventually(t, 20*time.Second, "both evaluated", func() bool { return w.count("p1") == 1 && w.count("p2") == 1 })
		clock.Add((3 * time.Second).Nanoseconds())
		if _, err := q.QueueReevaluations(ctx, []adapter.WatchItem{{PatientID: "p1"}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, "p1 evaluated again in a later slot", func() bool { return w.count("p1") == 2 })
		time.Sleep(500 * time.Millisecond)
		if w.count("p1") != 2 || w.count("p2") != 1 {
			t.Fatalf("evaluations %v", w.evals)
		}
	})
}

// TestTwoReplicasPollOnce: two queues on one database (two replicas) with
// a 1 s poll interval run the poll cycle on the leader only: about one
// cycle a second in all, not two.
func TestTwoReplicasPollOnce(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		a, b := &fakeWatch{}, &fakeWatch{}
		opts := WatchOptions{Interval: time.Second, Debounce: time.Second}
		watchQueue(t, dsn, opts, a, nil)
		watchQueue(t, dsn, opts, b, nil)
		eventually(t, 30*time.Second, "a first cycle", func() bool { return a.polls.Load()+b.polls.Load() > 0 })
		start := a.polls.Load() + b.polls.Load()
		time.Sleep(6 * time.Second)
		n := a.polls.Load() + b.polls.Load() - start
		if n < 1 || n > 8 {
			t.Fatalf("%d poll cycles in 6 s at a 1 s interval on two replicas (a %d, b %d): want one replica's share",
				n, a.polls.Load(), b.polls.Load())
		}
	})
}

// TestQueuePollIsOneWaiting: asking for a poll while one waits adds none.
func TestQueuePollIsOneWaiting(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		q, err := New(openStore(t, dsn), Options{Watch: WatchOptions{Debounce: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := q.QueuePoll(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := q.row(ctx, `SELECT count(*) FROM river_job WHERE kind = 'rpm_watch_poll'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d poll jobs waiting, want 1", n)
		}
	})
}

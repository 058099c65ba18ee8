package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// schedWork is fakeWork that can schedule: a run's parameters are its day.
type schedWork struct{ *fakeWork }

func (schedWork) ScheduledJob(group string, day rules.Date, write bool) (adapter.GroupJobSpec, error) {
	return adapter.GroupJobSpec{RequestID: "schedule-" + day.String(), Params: []byte(`"` + day.String() + `"`),
		Timeout: time.Hour, TTL: time.Hour}, nil
}

func TestScheduleNextIsTheNextTimeOfDayInTheZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	s := &Schedule{Groups: []string{"g"}, Hour: 2, Minute: 30, Location: ny}
	for _, c := range []struct{ now, next, day string }{
		{"2026-11-30T12:00:00-05:00", "2026-12-01T02:30:00-05:00", "2026-11-30"},
		{"2026-12-01T02:29:59.95-05:00", "2026-12-01T02:30:00-05:00", "2026-12-01"}, // River fires up to 100 ms early
		{"2026-12-01T02:30:00-05:00", "2026-12-02T02:30:00-05:00", "2026-12-01"},
		{"2026-12-01T07:30:00Z", "2026-12-02T02:30:00-05:00", "2026-12-01"},
		// 2026-03-08: 02:30 does not exist in New York; time.Date makes it
		// 01:30 EST, and it runs once that day.
		{"2026-03-07T02:30:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-07"},
		{"2026-03-08T01:30:00-05:00", "2026-03-09T02:30:00-04:00", "2026-03-08"},
		// 2026-11-01: 01:00-02:00 happens twice; 02:30 once.
		{"2026-10-31T02:30:00-04:00", "2026-11-01T02:30:00-05:00", "2026-10-31"},
	} {
		now, _ := time.Parse(time.RFC3339Nano, c.now)
		want, _ := time.Parse(time.RFC3339, c.next)
		if got := s.Next(now); !got.Equal(want) {
			t.Errorf("Next(%s) = %s, want %s", c.now, got.In(ny).Format(time.RFC3339), c.next)
		}
		if got := s.runDay(now); got != c.day {
			t.Errorf("runDay(%s) = %s, want %s", c.now, got, c.day)
		}
	}
}

func TestAScheduleIsChecked(t *testing.T) {
	for _, s := range []Schedule{
		{Hour: 2, Location: time.UTC},
		{Groups: []string{"g"}, Hour: 24, Location: time.UTC},
		{Groups: []string{"g"}, Minute: 60, Location: time.UTC},
		{Groups: []string{"g"}},
		{Groups: []string{"g", "g"}, Location: time.UTC},
	} {
		if _, err := New(&store.Store{}, Options{Schedule: &s}); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// Test (c) of issue 12: two replicas with the same schedule on one
// database, then both restarted (a new leader with a fresh schedule, whose
// first firings may fall on a day already run): each group runs exactly
// once per day. Days are 1 s long and River fires every 100 ms, so every
// day is fired many times and only uniqueness keeps it to one run. Each
// pair runs until it has run two days (leader election takes its time on
// a loaded machine), then the days stop advancing and the runs finish.
func TestTheScheduleRunsEachGroupOncePerDayNotOncePerReplica(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		const dayLen = time.Second
		t0 := time.Now()
		var fired [4]atomic.Int64
		var lastDay atomic.Int64 // the days stop at this index once set (> 0)
		w := schedWork{&fakeWork{}}
		dayIndex := func(now time.Time) int {
			n := int(now.Sub(t0) / dayLen)
			if l := int(lastDay.Load()); l > 0 && n > l {
				n = l
			}
			return n
		}
		replica := func(i int) *Queue {
			s := &Schedule{Groups: []string{"g2", "g3"}, Hour: 2, Location: time.UTC, Write: true,
				every: 100 * time.Millisecond, dayOf: func(now time.Time) string {
					fired[i].Add(1)
					return rules.DateOf(2026, time.January, 1).AddDays(dayIndex(now)).String()
				}}
			q, err := New(openStore(t, dsn), Options{JobTimeout: 5 * time.Second, RescueAfter: 10 * time.Second,
				PollInterval: 100 * time.Millisecond, Schedule: s})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Run(context.Background(), w); err != nil {
				t.Fatal(err)
			}
			return q
		}
		stop := func(qs ...*Queue) {
			for _, q := range qs {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := q.Stop(ctx); err != nil {
					t.Errorf("Stop: %v", err)
				}
				cancel()
			}
		}
		probe := openStore(t, dsn)
		db, dollar := probe.DB(), probe.Driver() == store.DriverPostgres
		qry := func(s string) string {
			if dollar {
				return dollars(s)
			}
			return s
		}
		scalar := func(q string) int {
			var n int
			if err := db.QueryRow(qry(q)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		runs := func() int { return scalar(`SELECT count(*) FROM group_jobs`) }
		waitRuns := func(n int) {
			deadline := time.Now().Add(60 * time.Second)
			for runs() < n {
				if time.Now().After(deadline) {
					t.Fatalf("%d runs after a minute, want %d", runs(), n)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		a, b := replica(0), replica(1)
		waitRuns(4) // two days of two groups
		stop(a, b)
		first := runs()
		c, d := replica(2), replica(3)
		waitRuns(first + 4)
		// The days stop: River keeps firing the last one, which has run.
		lastDay.Store(int64(dayIndex(time.Now())))
		deadline := time.Now().Add(30 * time.Second)
		for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if scalar(`SELECT (SELECT count(*) FROM group_jobs WHERE state <> 'completed') +
	(SELECT count(*) FROM river_job WHERE kind = 'rpm_schedule' AND state <> 'completed')`) == 0 {
				quiet++
			} else {
				quiet = 0
			}
		}
		stop(c, d)

		rows, err := db.Query(qry(`SELECT group_id, params, owner_label, is_write, state, done, total FROM group_jobs`))
		if err != nil {
			t.Fatal(err)
		}
		perDay := map[string]int{}
		days := map[string]int{}
		for rows.Next() {
			var group, params, owner, state string
			var write, done, total int
			if err := rows.Scan(&group, &params, &owner, &write, &state, &done, &total); err != nil {
				t.Fatal(err)
			}
			perDay[group+" "+params]++
			days[group]++
			n := 3
			if group == "g2" {
				n = 2
			}
			if owner != ScheduleOwner || write != 1 || state != adapter.JobCompleted || done != n || total != n {
				t.Errorf("run %s %s: owner %s write %d state %s done %d/%d", group, params, owner, write, state, done, total)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for run, n := range perDay {
			if n != 1 {
				t.Errorf("%s ran %d times", run, n)
			}
		}
		total := len(perDay)
		if sched := scalar(`SELECT count(*) FROM river_job WHERE kind = 'rpm_schedule'`); sched != total {
			t.Errorf("%d rpm_schedule jobs for %d runs", sched, total)
		}
		if days["g2"] != days["g3"] || days["g2"] < 4 || len(days) != 2 {
			t.Errorf("days run per group: %v", days)
		}
		var calls int64
		for i := range fired {
			calls += fired[i].Load()
		}
		if calls < int64(3*total) {
			t.Errorf("River fired %d times for %d runs: too few to test uniqueness", calls, total)
		}
		t.Logf("%d runs (%d before the restart) over %v; River fired %d times (per replica %d %d, then %d %d)", total, first,
			time.Since(t0).Round(time.Millisecond), calls, fired[0].Load(), fired[1].Load(), fired[2].Load(), fired[3].Load())
	})
}

// A rescued rpm_schedule worker (its first run committed, then its process
// died before River marked it done) finds the day's job and starts none.
func TestARescuedScheduledRunStartsNoSecondJob(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		w := schedWork{&fakeWork{}}
		q := newQueue(t, dsn, w)
		sw := &scheduleWorker{q: q}
		job := &river.Job[scheduleArgs]{Args: scheduleArgs{Group: "g2", Day: "2026-12-01", Write: true}}
		for range 2 {
			if err := sw.Work(context.Background(), job); err != nil {
				t.Fatal(err)
			}
		}
		id := scheduledID("g2", "2026-12-01")
		st := waitState(t, q, id, adapter.JobCompleted)
		if st.Owner != ScheduleOwner || !st.Write || st.GroupID != "g2" || st.Total != 2 || string(st.Result) != `"2026-12-01","p0","p1"` {
			t.Errorf("status %+v", st)
		}
		var n int
		if err := q.row(context.Background(), `SELECT count(*) FROM group_jobs`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d jobs (%v), want 1", n, err)
		}
		if evaluated, _ := w.counts(); evaluated["p0"] != 1 || evaluated["p1"] != 1 {
			t.Errorf("evaluated %v", evaluated)
		}
	})
}

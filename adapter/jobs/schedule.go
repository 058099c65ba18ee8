package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The daily re-evaluation of some groups (serve --schedule-group,
// --schedule-at, --service-timezone; issue 12). Each group is a River
// periodic job: River's leader, and only it, inserts an rpm_schedule job at
// HH:MM in the zone, whose worker starts an ordinary async Group job (as of
// that day, with write-back as configured) that every replica works like
// one started through the API.
//
// A day runs once per group, whatever restarts or leadership changes: the
// rpm_schedule job is unique by (group, day) in River (a second insert of
// the same pair, by a restarted or a second leader, is skipped while the
// first is kept, 24 h after it completes by River's default), and the
// Group job it starts has an id derived from (group, day), so that a
// rescued rpm_schedule worker finds the job there and starts nothing.

// Schedule configures the daily runs.
type Schedule struct {
	Groups       []string
	Hour, Minute int            // the time of day of the runs, in Location
	Location     *time.Location // the zone of HH:MM and of "today"
	Write        bool           // write the results back (as $rpm-eligibility-write)

	// every and dayOf replace the daily clock in tests: a run every
	// interval, for the "day" dayOf names.
	every time.Duration
	dayOf func(now time.Time) string
}

// ScheduleOwner is the owner label of scheduled jobs: not a token label's
// syntax, so no caller can read or cancel them through the API.
const ScheduleOwner = "@schedule"

// ScheduledWork is the GroupJobWork of a Queue with a Schedule: the job of
// one group's run as of day. The Queue sets its id and owner.
type ScheduledWork interface {
	adapter.GroupJobWork
	ScheduledJob(group string, day rules.Date, write bool) (adapter.GroupJobSpec, error)
}

func (s *Schedule) check() error {
	switch {
	case len(s.Groups) == 0:
		return errors.New("jobs: a schedule needs a group")
	case s.Hour < 0 || s.Hour > 23 || s.Minute < 0 || s.Minute > 59:
		return errors.New("jobs: the schedule's time of day is not HH:MM")
	case s.Location == nil:
		return errors.New("jobs: the schedule needs a time zone")
	}
	seen := map[string]bool{}
	for _, g := range s.Groups {
		if g == "" || seen[g] {
			return errors.New("jobs: the schedule's groups must be distinct and not empty")
		}
		seen[g] = true
	}
	return nil
}

// Next implements river.PeriodicSchedule: the first HH:MM in Location
// after t. A time of day that a DST change skips is normalised by
// time.Date (02:30 in New York on the spring day is 01:30 EST); one it
// repeats runs once.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Add(s.every)
	}
	l := t.In(s.Location)
	c := time.Date(l.Year(), l.Month(), l.Day(), s.Hour, s.Minute, 0, 0, s.Location)
	if !c.After(t) {
		c = time.Date(l.Year(), l.Month(), l.Day()+1, s.Hour, s.Minute, 0, 0, s.Location)
	}
	return c
}

// runDay is the day of the run River fires at now: the date, in Location,
// of the last HH:MM at or before now plus a minute (River fires up to
// 100 ms early, and late by however long its leader was busy).
func (s *Schedule) runDay(now time.Time) string {
	if s.dayOf != nil {
		return s.dayOf(now)
	}
	t := now.Add(time.Minute)
	l := t.In(s.Location)
	c := time.Date(l.Year(), l.Month(), l.Day(), s.Hour, s.Minute, 0, 0, s.Location)
	if c.After(t) {
		c = time.Date(l.Year(), l.Month(), l.Day()-1, s.Hour, s.Minute, 0, 0, s.Location)
	}
	return rules.LocalDate(c, s.Location).String()
}

// scheduleArgs is the rpm_schedule job: start the run of Group for Day.
// Only Group and Day make it unique.
type scheduleArgs struct {
	Group string `json:"group" river:"unique"`
	Day   string `json:"day" river:"unique"`
	Write bool   `json:"write"`
}

func (scheduleArgs) Kind() string { return "rpm_schedule" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per group and
// day in any state but cancelled and discarded.
func (scheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// periodicJobs are the schedule's River periodic jobs, one per group.
func (s *Schedule) periodicJobs(now func() time.Time) []*river.PeriodicJob {
	out := make([]*river.PeriodicJob, 0, len(s.Groups))
	for _, g := range s.Groups {
		out = append(out, river.NewPeriodicJob(s, func() (river.JobArgs, *river.InsertOpts) {
			return scheduleArgs{Group: g, Day: s.runDay(now()), Write: s.Write}, nil
		}, nil))
	}
	return out
}

// scheduledID is the id of the Group job of group's run on day: 64 hex
// digits (its Ref, the first 8, names it in logs), derived so that a
// second start of the same run finds the first.
func scheduledID(group, day string) string {
	h := sha256.Sum256([]byte("rpm-schedule\x00" + group + "\x00" + day))
	return hex.EncodeToString(h[:])
}

type scheduleWorker struct {
	river.WorkerDefaults[scheduleArgs]
	q *Queue
}

// Work starts the day's Group job unless it exists already.
func (w *scheduleWorker) Work(ctx context.Context, job *river.Job[scheduleArgs]) error {
	q, a := w.q, job.Args
	work, ok := q.workOf().(ScheduledWork)
	if !ok {
		return errNoWork
	}
	day, err := rules.ParseDate(a.Day)
	if err != nil {
		return fmt.Errorf("jobs: a scheduled run's day is not a date: %w", err)
	}
	spec, err := work.ScheduledJob(a.Group, day, a.Write)
	if err != nil {
		return err
	}
	spec.ID, spec.Owner, spec.Write, spec.GroupID = scheduledID(a.Group, a.Day), ScheduleOwner, a.Write, a.Group
	spec.MaxRunning, spec.MaxPerOwner = 0, 0 // a scheduled run is never refused
	started, err := q.start(ctx, spec, true)
	if err != nil {
		return err
	}
	if started {
		q.log.Info("scheduled run queued", "job", spec.ID[:8], "day", a.Day, "write", a.Write)
	}
	return nil
}

package main

import (
	"flag"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/jobs"
)

// scheduleFlags are serve's daily re-evaluation (issue 12):
// --schedule-group ID (repeatable, or comma-separated; RPM_SCHEDULE_GROUP),
// --schedule-at HH:MM in --service-timezone, and --schedule-write. Each
// group runs once a day as an async Group job as of that day, inserted by
// River's leader only (adapter/jobs/schedule.go).
type scheduleFlags struct {
	groups stringList
	at     string
	write  bool
}

func registerSchedule(fs *flag.FlagSet) *scheduleFlags {
	var f scheduleFlags
	fs.Var(&f.groups, "schedule-group", "re-evaluate this Group every day at --schedule-at (repeatable)")
	fs.StringVar(&f.at, "schedule-at", "", "time of day HH:MM, in --service-timezone, of the --schedule-group runs")
	fs.BoolVar(&f.write, "schedule-write", true, "write the scheduled runs' results back (as $rpm-eligibility-write does); false records them in the store only")
	return &f
}

var (
	hhmm   = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)
	fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
)

// schedule is the jobs.Schedule of the flags, nil without --schedule-group;
// loc is --service-timezone's zone (nil: local, as for the API's today).
func (f *scheduleFlags) schedule(loc *time.Location, db *dbFlags) (*jobs.Schedule, error) {
	if len(f.groups) == 0 {
		if f.at != "" {
			return nil, usagef("--schedule-at needs --schedule-group")
		}
		return nil, nil
	}
	if db.dsn == "" {
		return nil, usagef("--schedule-group needs --db: the runs are jobs in the store (a SQLite file path or a postgres:// URL)")
	}
	if f.at == "" {
		return nil, usagef("--schedule-group needs --schedule-at HH:MM")
	}
	m := hhmm.FindStringSubmatch(f.at)
	if m == nil {
		return nil, usagef("--schedule-at %q is not a time of day HH:MM (00:00 to 23:59)", f.at)
	}
	var groups []string
	for _, g := range f.groups {
		if !fhirID.MatchString(g) || strings.Trim(g, ".") == "" {
			return nil, usagef("--schedule-group %q is not a FHIR id", g)
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	if loc == nil {
		loc = time.Local
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	return &jobs.Schedule{Groups: groups, Hour: h, Minute: min, Location: loc, Write: f.write}, nil
}

// logSchedule says when the runs are (group ids are not patient data).
func logSchedule(logger *slog.Logger, s *jobs.Schedule) {
	if s == nil {
		return
	}
	logger.Info("daily runs scheduled", "groups", len(s.Groups), "at", time.Date(2000, 1, 1, s.Hour, s.Minute, 0, 0, time.UTC).Format("15:04"),
		"zone", s.Location.String(), "next", s.Next(time.Now()).Format(time.RFC3339), "write", s.Write)
}

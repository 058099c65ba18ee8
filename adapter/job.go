package adapter

import (
	"errors"
	"fmt"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Job says which windows to evaluate: a calendar month or an as-of date.
type Job struct {
	// Month, when set, selects a calendar month (time codes) and every
	// 30-day period whose last day falls in it (device codes).
	Month rules.Date
	// Date, when set, is the as-of date: the windows containing it,
	// evaluated with the data up to that date.
	Date rules.Date
	// Enrollment overrides the episode start (R-PER-2); NoDate when absent.
	Enrollment rules.Date
	// Zone, when set, is the request's time zone, which wins over the
	// Patient's (R-DAY-4).
	Zone string
}

// ParseJob reads the CLI/API forms: month "YYYY-MM" or date "YYYY-MM-DD",
// exactly one of them, and an optional enrollment date.
func ParseJob(month, date, enrollment string) (Job, error) {
	j := Job{Month: rules.NoDate, Date: rules.NoDate, Enrollment: rules.NoDate}
	switch {
	case month != "" && date != "":
		return j, errors.New("give either a month or a date, not both")
	case month != "":
		t, err := time.Parse("2006-01", month)
		if err != nil {
			return j, fmt.Errorf("month %q is not YYYY-MM", month)
		}
		j.Month = rules.DateOf(t.Year(), t.Month(), 1)
	case date != "":
		d, err := rules.ParseDate(date)
		if err != nil {
			return j, fmt.Errorf("date %q is not YYYY-MM-DD", date)
		}
		j.Date = d
	default:
		return j, errors.New("a month (YYYY-MM) or a date (YYYY-MM-DD) is required")
	}
	if enrollment != "" {
		d, err := rules.ParseDate(enrollment)
		if err != nil {
			return j, fmt.Errorf("enrollment %q is not YYYY-MM-DD", enrollment)
		}
		j.Enrollment = d
	}
	// R-DOS-3: nothing before 2021 can be judged; refuse it up front.
	first := j.Month
	if first == rules.NoDate {
		first = j.Date
	}
	if first.MonthEnd() < rules.DateOf(2021, time.January, 1) {
		return j, fmt.Errorf("%s is before 2021: no rule set applies", first.Time().Format("2006-01"))
	}
	return j, nil
}

// scope is the rules scope of the job.
func (j Job) scope() rules.Scope {
	if j.Month != rules.NoDate {
		return rules.Scope{Month: j.Month, Date: rules.NoDate}
	}
	return rules.DateScope(j.Date)
}

// asOf is the run date for a patient in loc: the job's date, else today.
func (j Job) asOf(now time.Time, loc *time.Location) rules.Date {
	if j.Date != rules.NoDate {
		return j.Date
	}
	return rules.LocalDate(now, loc)
}

// Span is the range of local dates whose data a job needs, widened by one day
// each side because servers disagree on how date bounds compare
// (fhir-mapping.md §1); resources are trimmed locally by the rules.
type Span struct{ From, To rules.Date }

// span covers the month and every period ending in it (their first day is
// at most 29 days before the month), or the as-of windows.
func (j Job) span() Span {
	if j.Month != rules.NoDate {
		return Span{From: j.Month.AddDays(-rules.PeriodLength - 1), To: j.Month.MonthEnd().AddDays(1)}
	}
	from := min(j.Date.MonthStart(), j.Date.AddDays(-rules.PeriodLength))
	return Span{From: from.AddDays(-1), To: j.Date.AddDays(1)}
}

// String names the job for logs and tables.
func (j Job) String() string {
	if j.Month != rules.NoDate {
		return j.Month.Time().Format("2006-01")
	}
	return "as of " + j.Date.String()
}

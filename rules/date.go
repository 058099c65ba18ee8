package rules

import (
	"fmt"
	"time"
)

// Date is a local calendar date, counted in days since 1970-01-01 of the
// proleptic Gregorian calendar. It carries no zone: R-DAY-4 says date
// arithmetic is on local dates, never N × 24h, so a daylight-saving change can
// never move a boundary. The zero Date is 1970-01-01; use Date.Valid-style
// checks through the owning struct (for example Request.Enrollment is optional
// and uses NoDate).
type Date int32

// NoDate marks an absent optional date.
const NoDate Date = -1 << 31

// DateOf returns the date y-m-d; out-of-range values normalise like time.Date.
func DateOf(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(t.Unix() / 86400)
}

// LocalDate returns the calendar date of instant t in zone loc (R-DAY-4).
func LocalDate(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return DateOf(y, m, d)
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return NoDate, fmt.Errorf("rules: date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t.Date()), nil
}

// Time returns midnight UTC of d, useful only for reading its fields.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Year, Month and Day give the date's fields.
func (d Date) Year() int { return d.Time().Year() }

// Month gives the date's month.
func (d Date) Month() time.Month { return d.Time().Month() }

// Day gives the day of the month.
func (d Date) Day() int { return d.Time().Day() }

// AddDays moves the date by n calendar days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Start returns the instant of local midnight at the start of d in loc. On a
// day whose midnight does not exist (a DST jump at 00:00) it is the first
// instant of that day.
func (d Date) Start(loc *time.Location) time.Time {
	y, m, day := d.Time().Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	// time.Date normalises a non-existent midnight forward, which is the first
	// instant of the day; a midnight that exists twice resolves to the first.
	if LocalDate(t, loc) != d {
		// Normalised backwards into the previous day: step to the next hour.
		t = t.Add(time.Hour)
	}
	return t
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	if d == NoDate {
		return "none"
	}
	y, m, day := d.Time().Date()
	if y < 0 || y > 9999 {
		return d.Time().Format(time.DateOnly)
	}
	// time.Format parses its layout on every call: a tenth of a store
	// recording's preparation, for what is four digits and two pairs.
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + day/10), byte('0' + day%10)}
	return string(b[:])
}

// MonthStart is the first date of d's month.
func (d Date) MonthStart() Date { return DateOf(d.Year(), d.Month(), 1) }

// MonthEnd is the last date of d's month.
func (d Date) MonthEnd() Date { return DateOf(d.Year(), d.Month()+1, 0) }

package fhirmap

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// WhenKind says what a When holds.
type WhenKind uint8

// When kinds.
const (
	WhenNone    WhenKind = iota // absent or unusable
	WhenInstant                 // a time of day with a UTC offset: At is set
	WhenDate                    // a date without a time: Date is set (already local, R-DAY-4)
)

// When is a FHIR dateTime reduced to what the rules can use: an instant, or
// a local calendar date. Year-only and year-month values cannot be placed on
// a day (R-DAY-4) and are reported instead of being turned into a When.
type When struct {
	Kind WhenKind
	At   time.Time  // UTC; valid when Kind is WhenInstant
	Date rules.Date // valid when Kind is WhenDate, else rules.NoDate
}

// LocalDate returns the local calendar date of w in loc: the date itself for
// a date-only value (R-DAY-4: used as is), else the instant's date in loc.
// ok is false when w is empty, or an instant and loc is nil.
func (w When) LocalDate(loc *time.Location) (d rules.Date, ok bool) {
	switch w.Kind {
	case WhenDate:
		return w.Date, true
	case WhenInstant:
		if loc == nil {
			return rules.NoDate, false
		}
		return rules.LocalDate(w.At, loc), true
	}
	return rules.NoDate, false
}

func whenInstant(t time.Time) When { return When{Kind: WhenInstant, At: t, Date: rules.NoDate} }

var whenNone = When{Date: rules.NoDate}

// parseDateTime checks a FHIR R4 dateTime against the R4 regular expression
//
//	([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])
//	(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?
//
// plus a real calendar date (no 31 April), and returns what the rules can use.
// code is "" on success, else CodeInvalidDateTime, CodeNoOffset (a time with
// no zone: R4 requires one, and guessing it could move a reading to another
// day) or CodeImpreciseDate (only a year or a month).
//
// A leap second (:60) is accepted as the first instant of the next minute.
// Fractions beyond nanoseconds are truncated. The instant is returned in UTC;
// the offset has done its job once the instant is known.
func parseDateTime(b []byte) (When, string) {
	y, ok := dtYear(b)
	if !ok {
		return whenNone, CodeInvalidDateTime
	}
	if len(b) == 4 {
		return whenNone, CodeImpreciseDate
	}
	if len(b) < 7 || b[4] != '-' {
		return whenNone, CodeInvalidDateTime
	}
	m, ok := dtNum2(b, 5, 1, 12)
	if !ok {
		return whenNone, CodeInvalidDateTime
	}
	if len(b) == 7 {
		return whenNone, CodeImpreciseDate
	}
	if len(b) < 10 || b[7] != '-' {
		return whenNone, CodeInvalidDateTime
	}
	d, ok := dtNum2(b, 8, 1, dtDaysIn(y, m))
	if !ok {
		return whenNone, CodeInvalidDateTime
	}
	if len(b) == 10 {
		return When{Kind: WhenDate, Date: rules.DateOf(y, time.Month(m), d)}, ""
	}
	t, code := parseTime(b, y, m, d)
	if code != "" {
		return whenNone, code
	}
	return whenInstant(t), ""
}

// parseInstant checks a FHIR instant: a dateTime with all of date, time and
// offset.
func parseInstant(b []byte) (time.Time, string) {
	w, code := parseDateTime(b)
	switch {
	case code != "":
		return time.Time{}, code
	case w.Kind != WhenInstant:
		return time.Time{}, CodeInvalidDateTime
	}
	return w.At, ""
}

// parseTime reads "Thh:mm:ss[.f+](Z|±hh:mm)" starting at b[10].
func parseTime(b []byte, y, mo, d int) (time.Time, string) {
	if len(b) < 19 || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, CodeInvalidDateTime
	}
	hh, ok1 := dtNum2(b, 11, 0, 23)
	mm, ok2 := dtNum2(b, 14, 0, 59)
	ss, ok3 := dtNum2(b, 17, 0, 60)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, CodeInvalidDateTime
	}
	i := 19
	ns := 0
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		scale := 100000000
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			ns += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, CodeInvalidDateTime
		}
	}
	if i == len(b) {
		return time.Time{}, CodeNoOffset
	}
	off := 0
	switch b[i] {
	case 'Z':
		i++
	case '+', '-':
		if len(b)-i != 6 || b[i+3] != ':' {
			return time.Time{}, CodeInvalidDateTime
		}
		oh, ok1 := dtNum2(b, i+1, 0, 14)
		om, ok2 := dtNum2(b, i+4, 0, 59)
		if !ok1 || !ok2 || (oh == 14 && om != 0) {
			return time.Time{}, CodeInvalidDateTime
		}
		off = oh*3600 + om*60
		if b[i] == '-' {
			off = -off
		}
		i += 6
	default:
		return time.Time{}, CodeInvalidDateTime
	}
	if i != len(b) {
		return time.Time{}, CodeInvalidDateTime
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, ns, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), ""
}

// dtYear reads four digits, 0001–9999 (the regex excludes 0000).
func dtYear(b []byte) (int, bool) {
	if len(b) < 4 {
		return 0, false
	}
	y := 0
	for _, c := range b[:4] {
		if c < '0' || c > '9' {
			return 0, false
		}
		y = y*10 + int(c-'0')
	}
	return y, y > 0
}

// dtNum2 reads two digits at b[i:] and checks lo ≤ v ≤ hi.
func dtNum2(b []byte, i, lo, hi int) (int, bool) {
	if i+2 > len(b) {
		return 0, false
	}
	c1, c2 := b[i], b[i+1]
	if c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9' {
		return 0, false
	}
	v := int(c1-'0')*10 + int(c2-'0')
	return v, v >= lo && v <= hi
}

func dtDaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Moment turns w into the rules' Moment: an instant stays an instant, a
// date-only value stays a local date (R-DAY-4), and an absent w is
// rules.NoMoment.
func (w When) Moment() rules.Moment {
	switch w.Kind {
	case WhenInstant:
		return rules.MomentAt(w.At)
	case WhenDate:
		return rules.MomentOn(w.Date)
	}
	return rules.NoMoment
}

// whenAfter says whether a is known to be after b without a time zone: both
// are dates, or both are instants. A date and an instant are never compared
// here (which local day an instant falls on needs the patient's zone).
func whenAfter(a, b When) bool {
	switch {
	case a.Kind == WhenDate && b.Kind == WhenDate:
		return a.Date > b.Date
	case a.Kind == WhenInstant && b.Kind == WhenInstant:
		return a.At.After(b.At)
	}
	return false
}

// lastDayOfImprecise returns the last day of the year ("2019") or month
// ("2019-04") that an imprecise dateTime names: the latest date it can mean.
// ok is false for anything else.
func lastDayOfImprecise(b []byte) (rules.Date, bool) {
	y, ok := dtYear(b)
	switch {
	case !ok:
		return rules.NoDate, false
	case len(b) == 4:
		return rules.DateOf(y, time.December, 31), true
	case len(b) != 7 || b[4] != '-':
		return rules.NoDate, false
	}
	m, ok := dtNum2(b, 5, 1, 12)
	if !ok {
		return rules.NoDate, false
	}
	return rules.DateOf(y, time.Month(m), dtDaysIn(y, m)), true
}

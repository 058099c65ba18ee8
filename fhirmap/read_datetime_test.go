package fhirmap

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestParseDateTime(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	tests := []struct {
		name, in string
		want     When
		code     string
	}{
		{"a date is a local date (R-DAY-4)", "2026-10-05", When{Kind: WhenDate, Date: rules.DateOf(2026, 10, 5)}, ""},
		{"an offset gives the instant", "2026-10-05T23:30:00-05:00", whenInstant(utc("2026-10-06T04:30:00Z")), ""},
		{"Z is UTC", "2026-10-05T23:30:00Z", whenInstant(utc("2026-10-05T23:30:00Z")), ""},
		{"fractions up to nanoseconds", "2026-10-05T23:30:00.123456789+01:00", whenInstant(utc("2026-10-05T22:30:00.123456789Z")), ""},
		{"fractions beyond nanoseconds are truncated", "2026-10-05T23:30:00.1234567891+00:00", whenInstant(utc("2026-10-05T23:30:00.123456789Z")), ""},
		{"one fraction digit", "2026-10-05T23:30:00.5Z", whenInstant(utc("2026-10-05T23:30:00.5Z")), ""},
		{"+14:00 is the largest offset", "2026-10-05T10:00:00+14:00", whenInstant(utc("2026-10-04T20:00:00Z")), ""},
		{"-00:00 is allowed", "2026-10-05T10:00:00-00:00", whenInstant(utc("2026-10-05T10:00:00Z")), ""},
		{"a leap second is the next minute", "2016-12-31T23:59:60Z", whenInstant(utc("2017-01-01T00:00:00Z")), ""},
		{"29 February in a leap year", "2024-02-29", When{Kind: WhenDate, Date: rules.DateOf(2024, 2, 29)}, ""},
		{"29 February in 2000", "2000-02-29", When{Kind: WhenDate, Date: rules.DateOf(2000, 2, 29)}, ""},
		{"year 0001", "0001-01-01", When{Kind: WhenDate, Date: rules.DateOf(1, 1, 1)}, ""},

		{"a year alone is imprecise", "2026", whenNone, CodeImpreciseDate},
		{"a month is imprecise", "2026-10", whenNone, CodeImpreciseDate},
		{"a time without offset", "2026-10-05T10:00:00", whenNone, CodeNoOffset},
		{"a fraction without offset", "2026-10-05T10:00:00.25", whenNone, CodeNoOffset},
		{"no seconds", "2026-10-05T10:00Z", whenNone, CodeInvalidDateTime},
		{"29 February in 2026", "2026-02-29", whenNone, CodeInvalidDateTime},
		{"29 February in 1900", "1900-02-29", whenNone, CodeInvalidDateTime},
		{"31 April", "2026-04-31", whenNone, CodeInvalidDateTime},
		{"month 13", "2026-13-01", whenNone, CodeInvalidDateTime},
		{"day 0", "2026-10-00", whenNone, CodeInvalidDateTime},
		{"year 0000", "0000-01-01", whenNone, CodeInvalidDateTime},
		{"hour 24", "2026-10-05T24:00:00Z", whenNone, CodeInvalidDateTime},
		{"minute 60", "2026-10-05T10:60:00Z", whenNone, CodeInvalidDateTime},
		{"second 61", "2026-10-05T10:00:61Z", whenNone, CodeInvalidDateTime},
		{"+14:30 is too far", "2026-10-05T10:00:00+14:30", whenNone, CodeInvalidDateTime},
		{"+15:00 is too far", "2026-10-05T10:00:00+15:00", whenNone, CodeInvalidDateTime},
		{"offset without colon", "2026-10-05T10:00:00+0500", whenNone, CodeInvalidDateTime},
		{"offset with seconds", "2026-10-05T10:00:00+05:00:00", whenNone, CodeInvalidDateTime},
		{"a date with a zone", "2026-10-05Z", whenNone, CodeInvalidDateTime},
		{"a space for T", "2026-10-05 10:00:00Z", whenNone, CodeInvalidDateTime},
		{"lower-case t", "2026-10-05t10:00:00Z", whenNone, CodeInvalidDateTime},
		{"lower-case z", "2026-10-05T10:00:00z", whenNone, CodeInvalidDateTime},
		{"an empty fraction", "2026-10-05T10:00:00.Z", whenNone, CodeInvalidDateTime},
		{"one-digit month", "2026-1-05", whenNone, CodeInvalidDateTime},
		{"a two-digit year", "26-10-05", whenNone, CodeInvalidDateTime},
		{"a five-digit year", "20260-10-05", whenNone, CodeInvalidDateTime},
		{"empty", "", whenNone, CodeInvalidDateTime},
		{"white space around", " 2026-10-05", whenNone, CodeInvalidDateTime},
		{"trailing white space", "2026-10-05 ", whenNone, CodeInvalidDateTime},
		{"not a date", "yesterday", whenNone, CodeInvalidDateTime},
		{"full-width digits", "２０２６-10-05", whenNone, CodeInvalidDateTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := parseDateTime([]byte(tt.in))
			if code != tt.code || got != tt.want {
				t.Errorf("parseDateTime(%q) = %+v, %q; want %+v, %q", tt.in, got, code, tt.want, tt.code)
			}
		})
	}
}

func TestParseInstant(t *testing.T) {
	for in, code := range map[string]string{
		"2026-10-05T10:00:00Z": "",
		"2026-10-05":           CodeInvalidDateTime,
		"2026-10":              CodeImpreciseDate,
		"2026-10-05T10:00:00":  CodeNoOffset,
	} {
		if _, got := parseInstant([]byte(in)); got != code {
			t.Errorf("parseInstant(%q) code %q, want %q", in, got, code)
		}
	}
}

// R-DAY-4, C6 and C17: the local date of an instant depends on the patient's
// zone, across midnight and across a daylight-saving change.
func TestWhenLocalDate(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		loc  *time.Location
		want rules.Date
		ok   bool
	}{
		{"23:30 local is that day, although it is the next day in UTC (C6)", "2026-10-06T03:30:00Z", ny, rules.DateOf(2026, 10, 5), true},
		{"00:30 local on the DST change day is its own date (C17)", "2026-03-08T05:30:00Z", ny, rules.DateOf(2026, 3, 8), true},
		{"00:30 local the day after the DST change (C17)", "2026-03-09T04:30:00Z", ny, rules.DateOf(2026, 3, 9), true},
		{"a date-only value needs no zone", "2026-10-05", nil, rules.DateOf(2026, 10, 5), true},
		{"an instant without a zone has no date", "2026-10-05T10:00:00Z", nil, rules.NoDate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, code := parseDateTime([]byte(tt.in))
			if code != "" {
				t.Fatal(code)
			}
			got, ok := w.LocalDate(tt.loc)
			if got != tt.want || ok != tt.ok {
				t.Errorf("LocalDate = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, ok := whenNone.LocalDate(ny); ok {
		t.Error("an empty When has a date")
	}
}

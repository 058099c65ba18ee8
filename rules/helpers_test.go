package rules_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must not depend on the CI image

	"github.com/rpm-adapter/rpm-adapter/rules"
)

var (
	newYork = mustZone("America/New_York")
	berlin  = mustZone("Europe/Berlin")
	chicago = mustZone("America/Chicago")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// day is a terse rules.DateOf.
func day(y int, m time.Month, d int) rules.Date { return rules.DateOf(y, m, d) }

// at is the instant hh:mm local on date d in loc.
func at(d rules.Date, hh, mm int, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
}

// newRequest is a request under the default policy with no anchor.
func newRequest(loc *time.Location, asOf rules.Date) rules.Request {
	return rules.Request{
		Location:     loc,
		AsOf:         asOf,
		Enrollment:   rules.NoDate,
		EpisodeStart: rules.NoDate,
		Organization: "Organization/own",
		Policy:       rules.DefaultPolicy(),
	}
}

// reading is a qualifying device reading (R-DAY-1).
func reading(ref string, t time.Time) rules.Reading {
	return rules.Reading{Ref: ref, At: t, Date: rules.NoDate, Device: "Device/bp",
		FromDevice: true, HasValue: true, Status: rules.StatusFinal}
}

// daily returns one qualifying reading at hh:mm local on each of n dates
// from first, with refs prefix-1, prefix-2, ….
func daily(prefix string, loc *time.Location, first rules.Date, n, hh, mm int) []rules.Reading {
	out := make([]rules.Reading, 0, n)
	for i := range n {
		out = append(out, reading(fmt.Sprintf("%s-%d", prefix, i+1), at(first.AddDays(i), hh, mm, loc)))
	}
	return out
}

// with applies fn to a copy of each reading.
func with(rs []rules.Reading, fn func(*rules.Reading)) []rules.Reading {
	out := make([]rules.Reading, len(rs))
	for i, r := range rs {
		fn(&r)
		out[i] = r
	}
	return out
}

// call is a completed RPM phone call (R-IC-1).
func call(ref string, start time.Time, d time.Duration) rules.Interaction {
	return work(ref, start, d, rules.MediumRemote)
}

// work is completed RPM treatment-management work in the given medium.
func work(ref string, start time.Time, d time.Duration, m rules.Medium) rules.Interaction {
	return rules.Interaction{Ref: ref, Start: start, Duration: d, Medium: m, Completed: true}
}

// evaluate runs the engine and fails the test on an error.
func evaluate(t *testing.T, req rules.Request, scope rules.Scope) *rules.Result {
	t.Helper()
	res, err := rules.Evaluate(req, scope)
	if err != nil {
		t.Fatalf("Evaluate: unexpected error: %v", err)
	}
	return res
}

// codes renders code lines as "99453 99454" or "99457 99458x3"; a
// provisional line ends in "?" (R-PER-5).
func codes(lines []rules.CodeLine) string {
	var parts []string
	for _, l := range lines {
		s := l.Code
		if l.Units != 1 {
			s += fmt.Sprintf("x%d", l.Units)
		}
		if l.Provisional {
			s += "?"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// periodLine is a one-line summary of a 30-day period.
func periodLine(p rules.PeriodResult) string {
	return fmt.Sprintf("period #%d %s..%s %s: %d days [%s]",
		p.Window.Index, p.Window.Start, p.Window.End, p.RuleSet, p.Days, codes(p.Lines))
}

// monthLine is a one-line summary of a calendar month.
func monthLine(m rules.MonthResult) string {
	ic := "not interactive"
	if m.Interactive {
		ic = "interactive"
	}
	s := fmt.Sprintf("month %s %s: %d min %s [%s]",
		m.Window.Start.Time().Format("2006-01"), m.RuleSet, m.Minutes, ic, codes(m.Lines))
	if m.UnbilledMinutes > 0 {
		s += fmt.Sprintf(" unbilled %d min", m.UnbilledMinutes)
	}
	return s
}

// allFindings lists every finding of a result as "code: message".
func allFindings(res *rules.Result) []string {
	var out []string
	add := func(fs []rules.Finding) {
		for _, f := range fs {
			out = append(out, f.Code+": "+f.Message)
		}
	}
	add(res.Findings)
	for _, p := range res.Periods {
		add(p.Findings)
	}
	for _, m := range res.Months {
		add(m.Findings)
	}
	return out
}

// findingCodes lists the codes of findings.
func findingCodes(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

// contains says whether list holds s.
func contains(list []string, s string) bool { return slices.Contains(list, s) }

// uniq is the set of the strings in s.
func uniq(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// diff returns "" when want and got are deeply equal, else a
// (-want +got) rendering of both.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	if wl, ok := want.([]string); ok {
		if gl, ok := got.([]string); ok {
			return lineDiff(wl, gl)
		}
	}
	var out []string
	deepDiff("", reflect.ValueOf(want), reflect.ValueOf(got), &out)
	return strings.Join(out, "\n")
}

var timeType = reflect.TypeOf(time.Time{})

// deepDiff reports the paths at which want and got differ, as "-path: want"
// and "+path: got" lines.
func deepDiff(path string, want, got reflect.Value, out *[]string) {
	leaf := func() {
		*out = append(*out, fmt.Sprintf("-%s: %s", path, show(want)), fmt.Sprintf("+%s: %s", path, show(got)))
	}
	switch {
	case !want.IsValid() || !got.IsValid():
		if want.IsValid() != got.IsValid() {
			leaf()
		}
		return
	case want.Type() != got.Type():
		leaf()
		return
	case want.CanInterface() && got.CanInterface() && reflect.DeepEqual(want.Interface(), got.Interface()):
		return
	}
	switch want.Kind() {
	case reflect.Pointer, reflect.Interface:
		if want.IsNil() || got.IsNil() {
			leaf()
			return
		}
		deepDiff(path, want.Elem(), got.Elem(), out)
	case reflect.Struct:
		if want.Type() == timeType {
			leaf()
			return
		}
		for i := range want.NumField() {
			f := want.Type().Field(i)
			if !f.IsExported() {
				leaf()
				return
			}
			deepDiff(path+"."+f.Name, want.Field(i), got.Field(i), out)
		}
	case reflect.Slice, reflect.Array:
		if want.Len() != got.Len() {
			leaf()
			return
		}
		for i := range want.Len() {
			deepDiff(fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i), out)
		}
	default:
		leaf()
	}
}

func show(v reflect.Value) string {
	if !v.IsValid() {
		return "<nil>"
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return "&" + show(v.Elem())
	}
	if v.CanInterface() {
		return fmt.Sprintf("%+v", v.Interface())
	}
	return v.String()
}

// lineDiff marks lines only in want with "-", only in got with "+".
func lineDiff(want, got []string) string {
	var b strings.Builder
	// A longest-common-subsequence walk keeps the diff readable.
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			b.WriteString("  " + want[i] + "\n")
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			b.WriteString("+ " + got[j] + "\n")
			j++
		default:
			b.WriteString("- " + want[i] + "\n")
			i++
		}
	}
	return b.String()
}

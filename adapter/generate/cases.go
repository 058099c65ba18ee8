package generate

import (
	"slices"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// workedCase is a named edge patient: its data and, beside it, what the rule
// book says about it. The expectation is written by hand from the rule
// book's table (docs/rpm-rules.md §8) and the rules the case cites; nothing
// in it is computed from the data.
type workedCase struct {
	id         string
	zone       string // the zone readings are taken in
	place      zonePlace
	enrollment rules.Date // EpisodeOfCare.period.start, the anchor (R-PER-2)
	devices    []kind
	build      func(p *patient)
	expect     ExpectedCase
}

// workedCases lists the named edge patients in the order they are written.
func workedCases() []workedCase {
	out := append(append(deviceCases(), timeCases()...), payerCases()...)
	slices.SortFunc(out, func(a, b workedCase) int { return strings.Compare(a.id, b.id) })
	return append(out, edgeCases()...)
}

// plan fills p with the case's patient.
func (c *workedCase) plan(p *patient, g *generator) {
	p.id = c.id
	p.zone = zoneIndex(c.zone)
	p.loc = g.locs[p.zone]
	p.place = c.place
	p.demographics()
	p.enrollment = c.enrollment
	for _, k := range c.devices {
		p.hasDevice[k] = true
	}
	c.build(p)
}

// --- helpers for data ---

func date(y int, m time.Month, d int) rules.Date { return rules.DateOf(y, m, d) }

// run lists n consecutive dates from from.
func run(from rules.Date, n int) []rules.Date {
	out := make([]rules.Date, n)
	for i := range out {
		out[i] = from.AddDays(i)
	}
	return out
}

// spread lists n distinct dates spread evenly from from to to (n ≥ 2,
// n ≤ to-from+1).
func spread(from, to rules.Date, n int) []rules.Date {
	out := make([]rules.Date, n)
	span := int(to - from)
	for i := range out {
		out[i] = from.AddDays(i * span / (n - 1))
	}
	return out
}

// routine adds a device reading of kind k every morning of dates, between
// 07:00 and 07:49 local, and on every third date a second one at 19:xx:
// several readings on a date are still one day (R-DAY-2).
func (p *patient) routine(k kind, dates []rules.Date) {
	for i, d := range dates {
		p.read(k, p.local(d, 7, p.rng.IntN(50)))
		if i%3 == 2 {
			p.read(k, p.local(d, 19, p.rng.IntN(50)))
		}
	}
}

// at adds one reading of kind k at local h:m on each date.
func (p *patient) at(k kind, dates []rules.Date, h, m int) {
	for _, d := range dates {
		p.read(k, p.local(d, h, m))
	}
}

// --- helpers for expectations ---

func line(code string, units int, dos rules.Date) ExpectedLine {
	return ExpectedLine{Code: code, Units: units, DOS: dos.String()}
}

// ruleSet applies R-DOS-3 by hand: the rule set in force on the DOS.
func ruleSet(dos rules.Date) string {
	if dos < date(2026, time.January, 1) {
		return string(rules.CMSPFS2021)
	}
	return string(rules.CMSPFS2026)
}

// period is 30-day period k of an episode anchored at anchor (R-PER-2: the
// 30 local dates from anchor+30k), with its expected days and lines.
func period(anchor rules.Date, k, days int, lines ...ExpectedLine) ExpectedPeriod {
	start := anchor.AddDays(30 * k)
	end := start.AddDays(29)
	return ExpectedPeriod{Start: start.String(), End: end.String(), Index: k,
		RuleSet: ruleSet(end), Days: days, Lines: lines}
}

// month is the calendar month of any date in it.
func month(in rules.Date, minutes int, interactive bool, lines ...ExpectedLine) ExpectedMonth {
	return ExpectedMonth{Start: in.MonthStart().String(), End: in.MonthEnd().String(),
		RuleSet: ruleSet(in.MonthEnd()), Minutes: minutes, Interactive: interactive, Lines: lines}
}

// eval is "evaluate --month" of m's month, as of the day after it.
func eval(m ExpectedMonth, periods ...ExpectedPeriod) ExpectedEvaluation {
	end, _ := rules.ParseDate(m.End)
	return ExpectedEvaluation{Month: m.Start[:7], AsOf: end.AddDays(1).String(),
		Periods: periods, Months: []ExpectedMonth{m}}
}

func withFindings(p ExpectedPeriod, f ...ExpectedFinding) ExpectedPeriod {
	p.Findings = f
	return p
}

func monthFindings(m ExpectedMonth, f ...ExpectedFinding) ExpectedMonth {
	m.Findings = f
	return m
}

// Frequent dates.
var (
	oct25   = date(2025, time.October, 1)
	oct26   = date(2026, time.October, 1)
	sep26   = date(2026, time.September, 1) // enrolled a month earlier: October's period is period 1
	oct26dl = date(2026, time.October, 30)  // last day of the period oct 1 – oct 30
)

package generate

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Ordinary patients: random but plausible, with adherence and minutes spread
// around the thresholds (16 days, 2 days, 10 and 20 minutes) so that every
// code and every miss shows up in a population run.

// ordinary plans ordinary patient number n (1-based) into p.
func (g *generator) ordinary(p *patient, n int) {
	r := p.rng
	o := &g.opts
	p.id = string(appendSeq(make([]byte, 0, 16), "pt-", n, g.width))
	p.zone = pickZone(r.IntN(100))
	p.loc = g.locs[p.zone]
	if r.IntN(5) == 0 {
		p.place = zoneOnAddress
	}
	p.demographics()

	p.hasDevice[bpCuff] = r.IntN(10) < 9
	p.hasDevice[scale] = !p.hasDevice[bpCuff] || r.IntN(100) < 45
	p.hasDevice[oximeter] = r.IntN(4) == 0
	phd := r.IntN(10) < 3     // the patient's gateway adds the PHD category
	utc := r.IntN(100) < 15   // … or sends instants in UTC
	commUTC := r.IntN(2) == 0 // the care-management tool writes UTC instants
	adherence := adherence(r.Float64(), r.Float64())

	// Most patients were enrolled earlier; a quarter start during the first
	// month. Readings fill the 30-day period that contains the first day of
	// the first month, so the periods ending in it are complete.
	first, last := o.Start, o.end()
	if r.IntN(4) > 0 {
		p.enrollment = first.AddDays(-1 - r.IntN(359))
	} else {
		p.enrollment = first.AddDays(r.IntN(min(21, int(last-first)+1)))
	}
	from := p.enrollment
	if from < first {
		from = p.enrollment.AddDays(int(first-p.enrollment) / rules.PeriodLength * rules.PeriodLength)
	}

	g.readings(p, from, last, adherence, phd, utc)
	for m := first; m <= last; m = m.MonthEnd().AddDays(1) {
		g.monthComms(p, max(m, p.enrollment), m.MonthEnd(), commUTC)
	}
	if r.Float64() < o.EdgeShare {
		edgeFeature(p, r.IntN(numEdgeFeatures), first, last)
	}
}

// pickZone maps a percentile to a zone by zoneDefs' weights.
func pickZone(pct int) int {
	for i, z := range zoneDefs {
		if pct < z.weight {
			return i
		}
		pct -= z.weight
	}
	return 0
}

// adherence is the chance that a day has data: half the patients are
// adherent, a third hover around 16 of 30 days, the rest rarely measure.
func adherence(u, v float64) float64 {
	switch {
	case u < 0.5:
		return 0.6 + 0.4*v
	case u < 0.85:
		return 0.4 + 0.2*v
	}
	return 0.03 + 0.3*v
}

// readings fills the local dates from..to with readings.
func (g *generator) readings(p *patient, from, to rules.Date, adherence float64, phd, utc bool) {
	r := p.rng
	rpd := g.opts.ReadingsPerDay
	base := int(rpd)
	frac := rpd - float64(base)
	var kinds [numKinds * 3]kind // weighted: BP 3, scale 1, oximeter 1
	nk := 0
	for k := range numKinds {
		if !p.hasDevice[k] {
			continue
		}
		w := 1
		if k == bpCuff {
			w = 3
		}
		for range w {
			kinds[nk] = k
			nk++
		}
	}
	for d := from; d <= to; d++ {
		if r.Float64() >= adherence {
			continue
		}
		n := base
		if r.Float64() < frac {
			n++
		}
		switch r.IntN(6) {
		case 0:
			n--
		case 1:
			n++
		}
		n = max(n, 1)
		// Readings between 06:00 and 23:00, one per slot so they are
		// sorted and never on a daylight-saving gap (01:00–03:00).
		y, mo, day := d.Time().Date()
		slot := (23 - 6) * 3600 / n
		for i := range n {
			sec := 6*3600 + i*slot + r.IntN(slot)
			t := time.Date(y, mo, day, sec/3600, sec/60%60, sec%60, 0, p.loc)
			rd := p.read(kinds[r.IntN(nk)], t)
			rd.phd, rd.utc = phd, utc
			switch x := r.IntN(100); {
			case x < 2:
				rd.status = "amended"
			case x < 3:
				rd.status = "corrected"
			}
		}
	}
}

// monthComms adds a month's treatment-management work on the dates
// from..to: a target number of minutes around the 10/20/40/60-minute
// thresholds, usually one interactive call and the rest as reviews and
// written messages, with durations recorded in each way R-TIME-2 reads.
func (g *generator) monthComms(p *patient, from, to rules.Date, utc bool) {
	if from > to {
		return
	}
	r := p.rng
	var total int
	switch x := r.IntN(100); {
	case x < 12:
		return
	case x < 25:
		total = 3 + r.IntN(7)
	case x < 45:
		total = 10 + r.IntN(10)
	case x < 72:
		total = 20 + r.IntN(12)
	case x < 84:
		total = 36 + r.IntN(12)
	case x < 93:
		total = 52 + r.IntN(16)
	default:
		total = 75 + r.IntN(40)
	}
	days := int(to-from) + 1
	firstComm := len(p.comms)
	at := func() time.Time {
		return p.local(from.AddDays(r.IntN(days)), 8+r.IntN(10), r.IntN(60))
	}
	if r.IntN(100) < 82 {
		mins := min(total, 5+r.IntN(16))
		medium := "PHONE"
		switch x := r.IntN(10); {
		case x < 2:
			medium = "VIDEOCONF"
		case x < 3:
			medium = "FACE"
		}
		c := p.call(at(), medium, mins*60)
		if r.IntN(5) == 0 {
			c.sender = 4 + r.IntN(2) // the physician
		}
		total -= mins
	}
	for total > 0 {
		mins := min(total, 2+r.IntN(7))
		medium := ""
		switch x := r.IntN(100); {
		case x < 40:
			medium = "WRITTEN"
		case x < 65:
			medium = "ONLINEWRIT"
		case x < 75:
			medium = "EMAILWRIT"
		}
		p.call(at(), medium, mins*60)
		total -= mins
	}
	for i := firstComm; i < len(p.comms); i++ {
		c := &p.comms[i]
		c.utc = utc
		switch x := r.IntN(100); {
		case x < 62:
		case x < 72:
			c.dur = durExtSec
			c.secs += r.IntN(60)
		case x < 87:
			c.dur = durEncLength
		default:
			c.dur = durEncPeriod
		}
	}
}

// Edge features an ordinary patient can get (Options.EdgeShare).
const (
	edgeNoZone = iota
	edgeSelfReported
	edgeTestData
	edgeDataAbsent
	edgeStatuses
	edgeCCM
	edgeNoDuration
	edgeInProgress
	edgeOtherPractitioner
	edgeRTM
	numEdgeFeatures
)

// edgeFeature gives p one kind of trouble the adapter must handle.
func edgeFeature(p *patient, f int, first, last rules.Date) {
	r := p.rng
	span := int(last-first) + 1
	switch f {
	case edgeNoZone:
		p.place = zoneNowhere // R-DAY-4: not evaluated, "no time zone"
	case edgeSelfReported, edgeTestData, edgeDataAbsent, edgeStatuses:
		for i := range p.readings {
			rd := &p.readings[i]
			if r.IntN(100) >= 12 {
				continue
			}
			switch f {
			case edgeSelfReported:
				rd.device, rd.phd = false, false
			case edgeTestData:
				rd.test = true
			case edgeDataAbsent:
				rd.absent = true
			default:
				rd.status = [...]string{"preliminary", "entered-in-error", "amended", "corrected"}[r.IntN(4)]
			}
		}
	case edgeCCM, edgeNoDuration, edgeInProgress:
		d := first.AddDays(r.IntN(span))
		c := p.call(p.local(d, 9+r.IntN(8), r.IntN(60)), "PHONE", (5+r.IntN(25))*60)
		switch f {
		case edgeCCM:
			c.program = "ccm" // R-CON-2: not RPM time
		case edgeNoDuration:
			c.dur = durNone // R-TIME-2: zero minutes and a finding
		default:
			c.status = "in-progress"
		}
	case edgeOtherPractitioner:
		// R-PER-4: another organization billed device supply for an
		// overlapping period.
		start := first.AddDays(-r.IntN(20))
		p.charges = append(p.charges, charge{code: "99454", start: start, end: start.AddDays(29),
			org: orgOther, entered: start.AddDays(31).Start(time.UTC).Add(9 * time.Hour)})
	case edgeRTM:
		// R-CON-1: remote therapeutic monitoring in an overlapping period.
		start := first.AddDays(r.IntN(min(20, span)))
		p.charges = append(p.charges, charge{code: "98977", start: start, end: start.AddDays(29),
			org: orgClinic, entered: start.AddDays(31).Start(time.UTC).Add(9 * time.Hour)})
	}
}

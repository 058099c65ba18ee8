package rules

// monthWindow is the calendar month containing d (R-PER-1).
func monthWindow(d Date) Window {
	return Window{Kind: CalendarMonth, Start: d.MonthStart(), End: d.MonthEnd()}
}

// period returns period k of an episode anchored at anchor: the 30 local
// dates starting at anchor + 30k (R-PER-2). Periods never overlap, never
// slide and never stretch.
func period(anchor Date, k int) Window {
	start := anchor.AddDays(PeriodLength * k)
	return Window{Kind: Period30, Start: start, End: start.AddDays(PeriodLength - 1), Index: k}
}

// periodContaining returns the period that contains d, if d is on or after
// the anchor.
func periodContaining(anchor, d Date) (Window, bool) {
	if anchor == NoDate || d < anchor {
		return Window{}, false
	}
	return period(anchor, int(d-anchor)/PeriodLength), true
}

// periodsEndingIn lists the periods whose last day (their DOS, R-DOS-1)
// falls in month m. A 30-day period can end twice in a 31-day month.
func periodsEndingIn(anchor Date, m Window) []Window {
	if anchor == NoDate {
		return nil
	}
	var out []Window
	// The first k whose end (anchor+30k+29) is on or after m.Start.
	k := 0
	if first := int(m.Start-anchor) - (PeriodLength - 1); first > 0 {
		k = (first + PeriodLength - 1) / PeriodLength
	}
	for ; ; k++ {
		p := period(anchor, k)
		if p.End > m.End {
			break
		}
		if p.End >= m.Start {
			out = append(out, p)
		}
	}
	return out
}

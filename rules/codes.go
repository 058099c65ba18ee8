package rules

import "fmt"

// deviceLines selects the device codes of a period (R-DEV-1, R-DEV-2,
// R-SET-1, R-SET-2, R-PER-3) and explains a miss.
// dos is the date of service chosen by device_dos (R-DOS-1).
func deviceLines(rs RuleSetID, p Policy, w Window, days int, dos Date) ([]CodeLine, []Finding) {
	var lines []CodeLine
	var why []Finding
	switch {
	case days >= DeviceDays:
		lines = append(lines, CodeLine{Code: CodeDevice16, Units: 1, DOS: dos})
	case rs.has2026Codes() && days >= ShortDeviceDays: // R-DEV-2
		lines = append(lines, CodeLine{Code: CodeDeviceShort, Units: 1, DOS: dos})
	default:
		need := DeviceDays
		rule := "R-DEV-1"
		if rs.has2026Codes() {
			need, rule = ShortDeviceDays, "R-DEV-2"
		}
		why = append(why, Finding{Code: "days-below-threshold", Rule: rule,
			Message: fmt.Sprintf("%d of %d days with data.", days, need)})
	}
	if days < DeviceDays && len(lines) > 0 {
		why = append(why, Finding{Code: "days-below-16", Rule: "R-DEV-2",
			Message: fmt.Sprintf("%d of %d days with data: the short device code applies.", days, DeviceDays)})
	}

	// R-SET-1: once per episode, so only in period 0; R-SET-2: its threshold.
	if w.Index == 0 {
		setupMin := DeviceDays
		if rs.has2026Codes() {
			setupMin = p.SetupMinDays2026
		}
		switch {
		case days >= setupMin && len(lines) > 0:
			lines = append([]CodeLine{{Code: CodeSetup, Units: 1, DOS: dos}}, lines...)
		case rs.has2026Codes() && days >= ShortDeviceDays:
			// R-SET-3: sources disagree whether CPT 2026 lowered 99453 to 2
			// days; withhold it visibly and let a person decide.
			why = append(why, Finding{Code: "setup-2026-review", Rule: "R-SET-3",
				Message: fmt.Sprintf("99453 withheld: 2026 guidance on its day threshold is unsettled; %d days in the first period.", days)})
		case len(lines) > 0:
			why = append(why, Finding{Code: "setup-below-threshold", Rule: "R-SET-2",
				Message: fmt.Sprintf("Set-up (99453) needs %d days in the first period; %d recorded.", setupMin, days)})
		}
	}
	return lines, why
}

// timeLines selects the treatment-management codes of a month (R-TM-1..5,
// R-IC-4) and the minutes beyond the 99458 cap.
func timeLines(rs RuleSetID, p Policy, w Window, minutes int, interactive bool, dataDays int) ([]CodeLine, int, []Finding) {
	dos := w.End // R-DOS-1
	var why []Finding
	if p.TMRequiresDataInMonth && dataDays == 0 {
		return nil, 0, append(why, Finding{Code: "no-data-in-month", Rule: "R-TM-5",
			Message: "No qualifying reading in the month; time codes need at least one (policy tm_requires_data_in_month)."})
	}
	if !interactive {
		if minutes > 0 {
			why = append(why, Finding{Code: "no-interactive-communication", Rule: "R-IC-1",
				Message: fmt.Sprintf("%d minutes but no interactive communication in the month.", minutes)})
		}
		return nil, 0, why
	}
	switch {
	case minutes >= TMMinutes: // R-TM-1, R-TM-2
		lines := []CodeLine{{Code: CodeTM20, Units: 1, DOS: dos}}
		extra := (minutes - TMMinutes) / TMMinutes
		units := min(extra, p.Max99458Units) // R-TM-4
		if units > 0 {
			lines = append(lines, CodeLine{Code: CodeTMAdditional, Units: units, DOS: dos})
		}
		unbilled := max(minutes-TMMinutes*(1+p.Max99458Units), 0)
		if unbilled > 0 {
			why = append(why, Finding{Code: "minutes-beyond-cap", Rule: "R-TM-4",
				Message: fmt.Sprintf("%d minutes beyond the cap of %d units of 99458 are not billed.", unbilled, p.Max99458Units)})
		}
		return lines, unbilled, why
	case rs.has2026Codes() && minutes >= ShortTMMinutes: // R-TM-2
		return []CodeLine{{Code: CodeTM10, Units: 1, DOS: dos}}, 0, why
	}
	need, rule := TMMinutes, "R-TM-1"
	if rs.has2026Codes() {
		need, rule = ShortTMMinutes, "R-TM-2" // cite the rule the month is judged by
	}
	return nil, 0, append(why, Finding{Code: "minutes-below-threshold", Rule: rule,
		Message: fmt.Sprintf("%d of %d minutes of treatment management.", minutes, need)})
}

package rules

import (
	"fmt"
	"slices"
)

// rtmCodes are remote therapeutic monitoring codes (R-CON-1).
var rtmCodes = []string{"98975", "98976", "98977", "98978", "98979", "98980", "98981", "98984", "98985", "98986"}

// deviceConflict lists the device codes that one practitioner per period
// protects (R-PER-4).
var deviceConflict = []string{CodeSetup, CodeDevice16, CodeDeviceShort}

// IsRTMCode says whether code is an RTM code (R-CON-1).
func IsRTMCode(code string) bool { return slices.Contains(rtmCodes, code) }

// conflict looks for existing charges that forbid RPM codes in w: any RTM
// charge overlapping it (R-CON-1), or, for the codes in same, a charge of
// another organization for an overlapping window (R-PER-4).
func (ev *evaluation) conflict(w Window, same []string) (Finding, bool) {
	for _, c := range ev.req.Charges {
		if !w.Overlaps(c.Start, c.End) {
			continue
		}
		if IsRTMCode(c.Code) {
			return Finding{Code: "rtm-overlap", Rule: "R-CON-1", Ref: c.Ref,
				Message: fmt.Sprintf("An RTM charge (%s) overlaps this window; RPM and RTM are not billed for overlapping periods.", c.Code)}, true
		}
	}
	for _, c := range ev.req.Charges {
		if !w.Overlaps(c.Start, c.End) || c.Own || !slices.Contains(same, c.Code) {
			continue
		}
		if c.Organization == "" || c.Organization != ev.req.Organization {
			return Finding{Code: "other-practitioner", Rule: "R-PER-4", Ref: c.Ref,
				Message: fmt.Sprintf("Another billing organization already holds %s for an overlapping period.", c.Code)}, true
		}
		return Finding{Code: "already-charged", Rule: "R-PER-3", Ref: c.Ref,
			Message: fmt.Sprintf("A charge for %s by this organization, not written by the adapter, already covers an overlapping period.", c.Code)}, true
	}
	return Finding{}, false
}

// Code99091 is the physiologic data collection and interpretation code that
// is not billed in a month with a time code (R-CON-3).
const Code99091 = "99091"

// clash99091 looks for a 99091 charge overlapping month w (R-CON-3). Its
// organization does not matter: the clash is per patient and month.
func (ev *evaluation) clash99091(w Window) (Finding, bool) {
	for _, c := range ev.req.Charges {
		if c.Code == Code99091 && w.Overlaps(c.Start, c.End) {
			return Finding{Code: "clash-99091", Rule: "R-CON-3", Ref: c.Ref,
				Message: "A 99091 charge overlaps this month; 99091 is not billed in the same month as 99457, 99458 or 99470, so no time code is emitted."}, true
		}
	}
	return Finding{}, false
}

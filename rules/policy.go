package rules

import "fmt"

// Policy holds the product decisions where CMS is silent. Every result
// records the values it was computed with.
type Policy struct {
	// InPersonInteractive lets a FACE communication count as interactive (R-IC-2).
	InPersonInteractive bool `json:"in_person_interactive"`
	// CountPreliminary lets preliminary readings qualify (R-DAY-1).
	CountPreliminary bool `json:"count_preliminary"`
	// SetupMinDays2026 is the day threshold for 99453 under cms-pfs-2026 (R-SET-2).
	SetupMinDays2026 int `json:"setup_min_days_2026"`
	// Max99458Units caps 99458 units per month (R-TM-4).
	Max99458Units int `json:"max_99458_units"`
	// TMRequiresDataInMonth requires a qualifying reading in the month for
	// time codes (R-TM-5).
	TMRequiresDataInMonth bool `json:"tm_requires_data_in_month"`
	// DeviceDOS chooses the date of service of the device codes (R-DOS-1):
	// DOSPeriodEnd or DOSLastReading.
	DeviceDOS DeviceDOS `json:"device_dos"`
	// RequireConsent requires an active RPM Consent covering each window's
	// date of service (R-ELIG-1).
	RequireConsent bool `json:"require_consent"`
}

// DeviceDOS is the value of the policy device_dos (R-DOS-1).
type DeviceDOS string

// The device_dos choices (R-DOS-1).
const (
	// DOSPeriodEnd: the last day of the 30-day period (the default).
	DOSPeriodEnd DeviceDOS = "period-end"
	// DOSLastReading: the last local date of the period with a qualifying
	// reading, as a Medicare contractor (NGS) tells billers.
	DOSLastReading DeviceDOS = "last-reading"
)

// ParseDeviceDOS reads a device_dos value.
func ParseDeviceDOS(s string) (DeviceDOS, error) {
	switch d := DeviceDOS(s); d {
	case DOSPeriodEnd, DOSLastReading:
		return d, nil
	}
	return "", fmt.Errorf("rules: device_dos must be %q or %q, got %q", DOSPeriodEnd, DOSLastReading, s)
}

// medicare99458Units is the Medicare unit limit of 99458 per month (R-TM-4).
const medicare99458Units = 3

// DefaultPolicy returns the rule book's defaults.
func DefaultPolicy() Policy {
	return Policy{
		InPersonInteractive:   true,
		CountPreliminary:      false,
		SetupMinDays2026:      16,
		Max99458Units:         medicare99458Units,
		TMRequiresDataInMonth: true,
		DeviceDOS:             DOSPeriodEnd,
		RequireConsent:        false,
	}
}

// Validate reports a policy no rule set can apply.
func (p Policy) Validate() error {
	if p.SetupMinDays2026 < 2 || p.SetupMinDays2026 > 16 {
		return fmt.Errorf("rules: setup_min_days_2026 must be 2..16, got %d", p.SetupMinDays2026)
	}
	// R-TM-4: the policy may lower the cap for a stricter payer but never
	// raise it above the Medicare unit limit, the only payer in scope (Part B);
	// billing a fourth unit would be an audit finding, not a setting.
	if p.Max99458Units < 0 || p.Max99458Units > medicare99458Units {
		return fmt.Errorf("rules: max_99458_units must be 0..%d, got %d", medicare99458Units, p.Max99458Units)
	}
	if _, err := ParseDeviceDOS(string(p.DeviceDOS)); err != nil {
		return err
	}
	return nil
}

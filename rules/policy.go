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
	return nil
}

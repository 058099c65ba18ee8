package rules

import (
	"errors"
	"fmt"
	"time"
)

// RuleSetID names a rule set of the rule book.
type RuleSetID string

// The rule sets (R-DOS-3).
const (
	CMSPFS2021 RuleSetID = "cms-pfs-2021"
	CMSPFS2026 RuleSetID = "cms-pfs-2026"
)

// CPT codes the engine emits.
const (
	CodeSetup        = "99453"
	CodeDevice16     = "99454"
	CodeDeviceShort  = "99445"
	CodeTM20         = "99457"
	CodeTMAdditional = "99458"
	CodeTM10         = "99470"
)

// Thresholds of the rule book.
const (
	DeviceDays        = 16 // 99454 (R-DEV-1, R-DEV-2)
	ShortDeviceDays   = 2  // 99445 lower bound (R-DEV-2)
	PeriodLength      = 30 // R-PER-2
	TMMinutes         = 20 // 99457 and each 99458 (R-TM-1)
	ShortTMMinutes    = 10 // 99470 (R-TM-2)
	firstRuleSetYear  = 2021
	secondRuleSetYear = 2026
)

// ErrDOSBeforeRules is returned for a date of service before 2021-01-01.
var ErrDOSBeforeRules = errors.New("rules: date of service before 2021-01-01 is outside every rule set")

// RuleSetFor returns the rule set in force on a date of service (R-DOS-3).
func RuleSetFor(dos Date) (RuleSetID, error) {
	switch {
	case dos < DateOf(firstRuleSetYear, time.January, 1):
		return "", fmt.Errorf("%w (got %s)", ErrDOSBeforeRules, dos)
	case dos < DateOf(secondRuleSetYear, time.January, 1):
		return CMSPFS2021, nil
	default:
		return CMSPFS2026, nil
	}
}

// has2026Codes says whether the rule set knows 99445 and 99470.
func (r RuleSetID) has2026Codes() bool { return r == CMSPFS2026 }

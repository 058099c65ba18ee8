package fhirmap

import (
	"github.com/rpm-adapter/rpm-adapter/rules"

	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
)

// Extensions the adapter writes, as paths under the canonical base (join with
// Canonical). They carry what the rule book says every output records: the
// rule set and policy used, the zone of the local dates, and what an open
// window still needs (R-PER-5).
const (
	// PathExtRuleSet (valueCode, e.g. cms-pfs-2026) on MeasureReport,
	// ChargeItem and Task: the rule set in force on the DOS (R-DOS-3).
	PathExtRuleSet = PathExtension + "rpm-rule-set"
	// PathExtPolicy (complex) on MeasureReport: the policy values of the
	// payer profile that judged the window, one sub-extension each, named by
	// their configuration keys (in_person_interactive, count_preliminary,
	// setup_min_days_2026, max_99458_units, tm_requires_data_in_month,
	// device_dos, require_consent).
	PathExtPolicy = PathExtension + "rpm-policy"
	// PathExtPayerProfile (complex: id valueCode, source valueCode default or
	// coverage, coverage valueReference) on MeasureReport: the payer profile
	// that judged the window and why (R-PAY-1, R-PAY-2).
	PathExtPayerProfile = PathExtension + "rpm-payer-profile"
	// PathExtConsent (valueCode not-checked, on-file or missing) on
	// MeasureReport: the consent check of the window (R-ELIG-1).
	PathExtConsent = PathExtension + "rpm-consent"
	// PathExtTimeZone (valueCode, IANA name) on MeasureReport: the zone every
	// local date of the report was computed in (R-DAY-4).
	PathExtTimeZone = PathExtension + "rpm-time-zone"
	// PathExtEpisodePeriod (complex: anchor valueDate, anchorSource
	// valueCode) on a device-days MeasureReport: the episode's anchor and
	// where it came from, so an auditor can check the period was neither slid
	// nor stretched (R-PER-2); the period index is (start − anchor) / 30.
	PathExtEpisodePeriod = PathExtension + "rpm-episode-period"
	// PathExtInteractive (valueBoolean) on a treatment-time MeasureReport:
	// an interactive communication took place in the month (R-IC-1..4).
	PathExtInteractive = PathExtension + "rpm-interactive-communication"
	// PathExtDataDays (valueInteger) on a treatment-time MeasureReport: dates
	// of the month with a qualifying reading (R-TM-5).
	PathExtDataDays = PathExtension + "rpm-data-days"
	// PathExtUnbilledMinutes (valueInteger) on a treatment-time
	// MeasureReport: minutes beyond the 99458 cap (R-TM-4).
	PathExtUnbilledMinutes = PathExtension + "rpm-unbilled-minutes"
	// PathExtProgress (complex: asOf valueDate; need, missing, daysLeft
	// valueInteger; reachable, needsInteractive valueBoolean) on the
	// MeasureReport of an open window (R-PER-5). need/missing count days for
	// the device measure and minutes for the treatment-time measure; what is
	// already met is the report's measureScore.
	PathExtProgress = PathExtension + "rpm-progress"
	// PathExtFinding (complex, repeating: code valueCode, rule valueString,
	// message valueString, input valueReference) on MeasureReport: the
	// window's findings, then the patient-level ones.
	PathExtFinding = PathExtension + "rpm-finding"
	// PathExtDateOfService (valueDate) on ChargeItem: the DOS (R-DOS-1).
	PathExtDateOfService = PathExtension + "rpm-date-of-service"
)

// Codes of <canonical>/CodeSystem/rpm-task: the Task codes and the types of
// the Task inputs.
const (
	TaskCodeDeviceDays     = "needs-device-days"
	TaskCodeManagementTime = "needs-management-time"
	TaskInputMissingDays   = "missing-days"
	TaskInputMissingMins   = "missing-minutes"
	TaskInputDaysLeft      = "days-left"
	TaskInputInteractive   = "needs-interactive"
	TaskInputDueDate       = "due-date"
)

// Measure names: the last path segment of the two measures, also the
// "measure" field of the MeasureReport identity tuple.
const (
	measureDeviceName = "rpm-device-days"
	measureTimeName   = "rpm-treatment-time"
)

// extURLs holds the extension URLs joined once with the canonical base.
type extURLs struct {
	ruleSet, policy, timeZone, episodePeriod, interactive,
	dataDays, unbilled, progress, finding, dos, profile, consent string
}

func newExtURLs(base string) extURLs {
	return extURLs{
		ruleSet:       base + PathExtRuleSet,
		policy:        base + PathExtPolicy,
		timeZone:      base + PathExtTimeZone,
		episodePeriod: base + PathExtEpisodePeriod,
		interactive:   base + PathExtInteractive,
		dataDays:      base + PathExtDataDays,
		unbilled:      base + PathExtUnbilledMinutes,
		progress:      base + PathExtProgress,
		finding:       base + PathExtFinding,
		dos:           base + PathExtDateOfService,
		profile:       base + PathExtPayerProfile,
		consent:       base + PathExtConsent,
	}
}

// policyExt records every policy value (rpm-rules.md: every output records
// the rule set and policy used).
func (u *extURLs) policyExt(p rules.Policy) *dtpb.Extension {
	return extComplex(u.policy,
		extBool("in_person_interactive", p.InPersonInteractive),
		extBool("count_preliminary", p.CountPreliminary),
		extInt("setup_min_days_2026", p.SetupMinDays2026),
		extInt("max_99458_units", p.Max99458Units),
		extBool("tm_requires_data_in_month", p.TMRequiresDataInMonth),
		extCode("device_dos", string(p.DeviceDOS)),
		extBool("require_consent", p.RequireConsent),
	)
}

// profileExt records the payer profile that judged a window (R-PAY-1).
func (u *extURLs) profileExt(c rules.ProfileChoice) *dtpb.Extension {
	subs := []*dtpb.Extension{extCode("id", c.ID), extCode("source", c.Source)}
	if c.Coverage != "" {
		subs = append(subs, extRef("coverage", c.Coverage))
	}
	return extComplex(u.profile, subs...)
}

// progressExt describes an open window (R-PER-5).
func (u *extURLs) progressExt(asOf rules.Date, p *rules.Progress, month bool) *dtpb.Extension {
	subs := []*dtpb.Extension{
		extDate("asOf", asOf),
		// "have" is the report's measureScore; not repeated here.
		extInt("need", p.Need),
		extInt("missing", p.Missing),
		extInt("daysLeft", p.DaysLeft),
		extBool("reachable", p.Reachable),
	}
	if month {
		subs = append(subs, extBool("needsInteractive", p.NeedsInteractive))
	}
	return extComplex(u.progress, subs...)
}

// findingExt carries a finding. Finding messages hold counts and dates only
// (rules.Finding), so they are safe to write.
func (u *extURLs) findingExt(f rules.Finding) *dtpb.Extension {
	subs := []*dtpb.Extension{extCode("code", f.Code)}
	if f.Rule != "" {
		subs = append(subs, extString("rule", f.Rule))
	}
	if f.Message != "" {
		subs = append(subs, extString("message", f.Message))
	}
	if f.Ref != "" {
		subs = append(subs, extRef("input", f.Ref))
	}
	return extComplex(u.finding, subs...)
}

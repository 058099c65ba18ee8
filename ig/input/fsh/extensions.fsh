// Every extension the adapter writes or reads, with its context and type
// (fhirmap/write_ext.go, write_outcome.go, canonical.go). Sub-extension
// urls are the slice names, as written.

Extension: CommunicationDuration
Id: communication-duration
Title: "Communication duration"
Description: "Read on Communication: how long a treatment-management activity lasted, in UCUM seconds or minutes (R-TIME-2). A Communication without it counts from its Encounter's length, if any."
Context: Communication
* ^experimental = false
* value[x] 1..1
* value[x] only Duration
* valueDuration.value 1..1
* valueDuration.comparator 0..0
* valueDuration.system 1..1
* valueDuration.system = $UCUM (exactly)
* valueDuration.code 1..1
* valueDuration.code from RpmDurationUnits (required)

Extension: RpmRuleSet
Id: rpm-rule-set
Title: "Rule set"
Description: "The rule set in force on the date of service that judged the window (R-DOS-3)."
Context: MeasureReport, ChargeItem, Task
* ^experimental = false
* value[x] 1..1
* value[x] only code
* value[x] from RpmRuleSetsVS (required)

Extension: RpmPolicy
Id: rpm-policy
Title: "Policy values"
Description: "The policy values of the payer profile that judged the window, one sub-extension each, named by their configuration keys (rule book, Policies)."
Context: MeasureReport
* ^experimental = false
* value[x] 0..0
* extension contains
    in_person_interactive 1..1 and
    count_preliminary 1..1 and
    setup_min_days_2026 1..1 and
    max_99458_units 1..1 and
    tm_requires_data_in_month 1..1 and
    device_dos 1..1 and
    require_consent 1..1
* extension[in_person_interactive] ^short = "An in-person visit counts as the interactive communication (R-IC-2)"
* extension[in_person_interactive].value[x] only boolean
* extension[in_person_interactive].value[x] 1..1
* extension[count_preliminary] ^short = "Preliminary readings count (R-DAY-1)"
* extension[count_preliminary].value[x] only boolean
* extension[count_preliminary].value[x] 1..1
* extension[setup_min_days_2026] ^short = "Days needed for 99453 from 2026 (R-SET-2)"
* extension[setup_min_days_2026].value[x] only integer
* extension[setup_min_days_2026].value[x] 1..1
* extension[max_99458_units] ^short = "Most 99458 units per month (R-TM-4)"
* extension[max_99458_units].value[x] only integer
* extension[max_99458_units].value[x] 1..1
* extension[tm_requires_data_in_month] ^short = "Time codes need a qualifying reading in the month (R-TM-5)"
* extension[tm_requires_data_in_month].value[x] only boolean
* extension[tm_requires_data_in_month].value[x] 1..1
* extension[device_dos] ^short = "Date of service of the device codes (R-DOS-1)"
* extension[device_dos].value[x] only code
* extension[device_dos].value[x] 1..1
* extension[device_dos].value[x] from RpmDeviceDOSVS (required)
* extension[require_consent] ^short = "A window needs an active RPM consent (R-ELIG-1)"
* extension[require_consent].value[x] only boolean
* extension[require_consent].value[x] 1..1

Extension: RpmPayerProfile
Id: rpm-payer-profile
Title: "Payer profile"
Description: "The payer profile that judged the window and why (R-PAY-1, R-PAY-2)."
Context: MeasureReport
* ^experimental = false
* value[x] 0..0
* extension contains
    id 1..1 and
    source 1..1 and
    coverage 0..1
* extension[id] ^short = "The profile's id (e.g. medicare-ffs)"
* extension[id].value[x] only code
* extension[id].value[x] 1..1
* extension[source] ^short = "default, or coverage when the patient's Coverage selected it"
* extension[source].value[x] only code
* extension[source].value[x] 1..1
* extension[source].value[x] from RpmProfileSourceVS (required)
* extension[coverage] ^short = "The Coverage that selected the profile"
* extension[coverage].value[x] only Reference(Coverage)
* extension[coverage].value[x] 1..1

Extension: RpmConsent
Id: rpm-consent
Title: "Consent check"
Description: "The consent check of the window (R-ELIG-1)."
Context: MeasureReport
* ^experimental = false
* value[x] 1..1
* value[x] only code
* value[x] from RpmConsentStatusVS (required)

Extension: RpmTimeZone
Id: rpm-time-zone
Title: "Time zone"
Description: "The IANA time zone every local date of the report was computed in (R-DAY-4)."
Context: MeasureReport
* ^experimental = false
* value[x] 1..1
* value[x] only code

Extension: RpmEpisodePeriod
Id: rpm-episode-period
Title: "Episode period anchor"
Description: "The anchor of the episode's 30-day periods and where it came from, so an auditor can check that the period was neither slid nor stretched (R-PER-2); the period index is (start - anchor) / 30."
Context: MeasureReport
* ^experimental = false
* value[x] 0..0
* extension contains
    anchor 1..1 and
    anchorSource 0..1
* extension[anchor] ^short = "First day of the episode's period 0"
* extension[anchor].value[x] only date
* extension[anchor].value[x] 1..1
* extension[anchorSource] ^short = "Where the anchor came from"
* extension[anchorSource].value[x] only code
* extension[anchorSource].value[x] 1..1
* extension[anchorSource].value[x] from RpmAnchorSourceVS (required)

Extension: RpmInteractiveCommunication
Id: rpm-interactive-communication
Title: "Interactive communication"
Description: "On a treatment-time report: an interactive communication took place in the month (R-IC-1..4)."
Context: MeasureReport
* ^experimental = false
* value[x] 1..1
* value[x] only boolean

Extension: RpmDataDays
Id: rpm-data-days
Title: "Days with data"
Description: "On a treatment-time report: dates of the month with a qualifying reading (R-TM-5)."
Context: MeasureReport
* ^experimental = false
* value[x] 1..1
* value[x] only integer

Extension: RpmUnbilledMinutes
Id: rpm-unbilled-minutes
Title: "Unbilled minutes"
Description: "On a treatment-time report: minutes beyond the 99458 cap (R-TM-4)."
Context: MeasureReport
* ^experimental = false
* value[x] 1..1
* value[x] only integer

Extension: RpmProgress
Id: rpm-progress
Title: "Progress of an open window"
Description: "What an open window still needs (R-PER-5). need and missing count days for the device measure and minutes for the treatment-time measure; what is already met is the report's measureScore."
Context: MeasureReport
* ^experimental = false
* value[x] 0..0
* extension contains
    asOf 1..1 and
    need 1..1 and
    missing 1..1 and
    daysLeft 1..1 and
    reachable 1..1 and
    needsInteractive 0..1
* extension[asOf] ^short = "The run date the progress is as of"
* extension[asOf].value[x] only date
* extension[asOf].value[x] 1..1
* extension[need] ^short = "Days or minutes the threshold needs"
* extension[need].value[x] only integer
* extension[need].value[x] 1..1
* extension[missing] ^short = "Days or minutes still missing"
* extension[missing].value[x] only integer
* extension[missing].value[x] 1..1
* extension[daysLeft] ^short = "Days left in the window after the run date"
* extension[daysLeft].value[x] only integer
* extension[daysLeft].value[x] 1..1
* extension[reachable] ^short = "The threshold can still be reached"
* extension[reachable].value[x] only boolean
* extension[reachable].value[x] 1..1
* extension[needsInteractive] ^short = "Treatment time: an interactive communication is still needed"
* extension[needsInteractive].value[x] only boolean
* extension[needsInteractive].value[x] 1..1

Extension: RpmFinding
Id: rpm-finding
Title: "Finding"
Description: "A finding of the rules about the window or the patient's inputs: a stable code, the rule it comes from, a safe sentence (counts and dates only) and the input concerned."
Context: MeasureReport
* ^experimental = false
* value[x] 0..0
* extension contains
    code 1..1 and
    rule 0..1 and
    message 0..1 and
    input 0..1
* extension[code] ^short = "Stable finding code (e.g. rtm-overlap, minutes-beyond-cap)"
* extension[code].value[x] only code
* extension[code].value[x] 1..1
* extension[code].value[x] from RpmFindingCodesVS (required)
* extension[rule] ^short = "The rule book's rule id (e.g. R-TM-4)"
* extension[rule].value[x] only string
* extension[rule].value[x] 1..1
* extension[message] ^short = "What was found, in plain words (no patient data)"
* extension[message].value[x] only string
* extension[message].value[x] 1..1
* extension[input] ^short = "The input resource the finding is about"
* extension[input].value[x] only Reference
* extension[input].value[x] 1..1

Extension: RpmDateOfService
Id: rpm-date-of-service
Title: "Date of service"
Description: "The date of service of the code line (R-DOS-1)."
Context: ChargeItem
* ^experimental = false
* value[x] 1..1
* value[x] only date

Extension: RpmSubject
Id: rpm-subject
Title: "Subject of the issues"
Description: "The patient an OperationOutcome's issues are about: OperationOutcome has no subject element of its own."
Context: OperationOutcome
* ^experimental = false
* value[x] 1..1
* value[x] only Reference(Patient)

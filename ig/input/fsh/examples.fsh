// Examples of the three written resources, shaped as the adapter writes
// them (taken from `rpm-adapter evaluate` on the embedded sample; times
// fixed). The validator step checks them with everything else.

RuleSet: ExamplePolicy
* extension[policy].extension[in_person_interactive].valueBoolean = true
* extension[policy].extension[count_preliminary].valueBoolean = false
* extension[policy].extension[setup_min_days_2026].valueInteger = 16
* extension[policy].extension[max_99458_units].valueInteger = 3
* extension[policy].extension[tm_requires_data_in_month].valueBoolean = true
* extension[policy].extension[device_dos].valueCode = #period-end
* extension[policy].extension[require_consent].valueBoolean = false
* extension[payerProfile].extension[id].valueCode = #medicare-ffs
* extension[payerProfile].extension[source].valueCode = #default
* extension[consent].valueCode = #not-checked
* extension[timeZone].valueCode = #America/Denver

Instance: example-device-days
InstanceOf: RpmMeasureReport
Usage: #example
Title: "Device days of a closed 30-day period"
Description: "18 days with device readings in the period 2026-10-01..2026-10-30 (99454 billable)."
* meta.tag[generated] = RpmAdapterTags#generated
* extension[ruleSet].valueCode = #cms-pfs-2026
* insert ExamplePolicy
* extension[episodePeriod].extension[anchor].valueDate = "2026-09-01"
* extension[episodePeriod].extension[anchorSource].valueCode = #episode
* identifier[rpm].value = "9160cda30630d9f1734c828c93d8163679bf013319c60c1e98a190c4b7fd3bb5"
* status = #complete
* measure = "http://rpm-adapter.org/fhir/Measure/rpm-device-days"
* subject = Reference(Patient/example)
* date = "2026-11-01T06:00:00Z"
* period.start = "2026-10-01"
* period.end = "2026-10-30"
* group[0].measureScore = 18 '{days}' "days"
* evaluatedResource[0] = Reference(Observation/example-reading-1)
* evaluatedResource[1] = Reference(Observation/example-reading-2)

Instance: example-treatment-time-open
InstanceOf: RpmMeasureReport
Usage: #example
Title: "Treatment time of an open month"
Description: "12 of 20 minutes and no interactive communication yet, as of 2026-10-14: the window is pending and a Task asks for the rest."
* meta.tag[generated] = RpmAdapterTags#generated
* extension[ruleSet].valueCode = #cms-pfs-2026
* insert ExamplePolicy
* extension[interactive].valueBoolean = false
* extension[dataDays].valueInteger = 9
* extension[unbilledMinutes].valueInteger = 0
* extension[progress].extension[asOf].valueDate = "2026-10-14"
* extension[progress].extension[need].valueInteger = 20
* extension[progress].extension[missing].valueInteger = 8
* extension[progress].extension[daysLeft].valueInteger = 17
* extension[progress].extension[reachable].valueBoolean = true
* extension[progress].extension[needsInteractive].valueBoolean = true
* extension[finding][0].extension[code].valueCode = #other-program
* extension[finding][0].extension[rule].valueString = "R-CON-2"
* extension[finding][0].extension[message].valueString = "Time recorded for the CCM program does not count as RPM time."
* extension[finding][0].extension[input].valueReference = Reference(Communication/example-ccm-call)
* identifier[rpm].value = "5d0c0a3f0c3d7a5cbd1c0c1f0e0a6b3e8f7f6c5d4b3a291807f6e5d4c3b2a190"
* status = #pending
* measure = "http://rpm-adapter.org/fhir/Measure/rpm-treatment-time"
* subject = Reference(Patient/example)
* date = "2026-10-14T06:00:00Z"
* period.start = "2026-10-01"
* period.end = "2026-10-31"
* group[0].measureScore = 12 'min' "min"
* evaluatedResource[0] = Reference(Communication/example-call)

Instance: example-charge-99454
InstanceOf: RpmChargeItem
Usage: #example
Title: "99454 for a closed period"
Description: "The billable code line of example-device-days."
* meta.tag[generated] = RpmAdapterTags#generated
* extension[ruleSet].valueCode = #cms-pfs-2026
* extension[dateOfService].valueDate = "2026-10-30"
* identifier[rpm].value = "0bc6fabe25b9e8171048df59c4391e9daa34d66a35ad44424e73466a8edb6b0a"
* status = #billable
* code.coding[cpt] = $CPT#99454
* subject = Reference(Patient/example)
* occurrencePeriod.start = "2026-10-01"
* occurrencePeriod.end = "2026-10-30"
* quantity.value = 1
* enteredDate = "2026-11-01T06:00:00Z"
* supportingInformation[0] = Reference(example-device-days)

Instance: example-task-time
InstanceOf: RpmTask
Usage: #example
Title: "Task of an open month"
Description: "What example-treatment-time-open still needs."
* meta.tag[generated] = RpmAdapterTags#generated
* extension[ruleSet].valueCode = #cms-pfs-2026
* identifier[rpm].value = "18f5a7a4dae089aef0597f3972cf5d81a52c74af5369450bd83ea69692c88f86"
* status = #requested
* intent = #order
* code = RpmTaskCodes#needs-management-time
* description = "Needs 8 more minutes of treatment management and an interactive call by 2026-10-31 (12 of 20 minutes; 17 days left)."
* focus = Reference(example-treatment-time-open)
* for = Reference(Patient/example)
* authoredOn = "2026-10-14T06:00:00Z"
* lastModified = "2026-10-14T06:00:00Z"
* restriction.period.start = "2026-10-15"
* restriction.period.end = "2026-10-31"
* input[0].type = RpmTaskCodes#missing-minutes
* input[0].valueInteger = 8
* input[1].type = RpmTaskCodes#needs-interactive
* input[1].valueBoolean = true
* input[2].type = RpmTaskCodes#days-left
* input[2].valueInteger = 17
* input[3].type = RpmTaskCodes#due-date
* input[3].valueDate = "2026-10-31"

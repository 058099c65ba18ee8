// Profiles of the three resources the adapter writes (fhir-mapping.md §2).
// Each written resource names its profile in meta.profile.

RuleSet: Generated(type)
// The generated tag and the adapter's deterministic identifier.
* meta.tag 1..*
* meta.tag ^slicing.discriminator.type = #pattern
* meta.tag ^slicing.discriminator.path = "$this"
* meta.tag ^slicing.rules = #open
* meta.tag contains generated 1..1
* meta.tag[generated] = RpmAdapterTags#generated
* identifier 1..*
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier contains rpm 1..1
* identifier[rpm].system 1..1
* identifier[rpm].system = "http://rpm-adapter.org/fhir/identifier/{type}" (exactly)
* identifier[rpm].value 1..1

Profile: RpmMeasureReport
Parent: MeasureReport
Id: rpm-measurereport
Title: "RPM MeasureReport"
Description: "The evidence of one evaluated window of one patient: the days with device readings of a 30-day period (Measure rpm-device-days) or the minutes of treatment management of a calendar month (Measure rpm-treatment-time), the readings and communications that made them, the rule set, the payer profile and its policy values, the consent check, the time zone and the findings; for an open window (status pending) what is still missing."
* ^experimental = false
* obeys rpm-mr-1 and rpm-mr-2 and rpm-mr-3
* insert Generated(measurereport)
* extension contains
    RpmRuleSet named ruleSet 1..1 and
    RpmPolicy named policy 1..1 and
    RpmPayerProfile named payerProfile 0..1 and
    RpmConsent named consent 0..1 and
    RpmTimeZone named timeZone 0..1 and
    RpmEpisodePeriod named episodePeriod 0..1 and
    RpmInteractiveCommunication named interactive 0..1 and
    RpmDataDays named dataDays 0..1 and
    RpmUnbilledMinutes named unbilledMinutes 0..1 and
    RpmProgress named progress 0..1 and
    RpmFinding named finding 0..*
* status ^short = "complete for a closed window, pending for an open one"
* type = #individual
* measure 1..1
* subject 1..1
* subject only Reference(Patient)
* date 1..1
* period.start 1..1
* period.end 1..1
* group 1..1
* group.measureScore 1..1
* group.measureScore.value 1..1
* group.measureScore.system 1..1
* group.measureScore.system = $UCUM (exactly)
* group.measureScore.code 1..1

Invariant: rpm-mr-1
Description: "The measure is one of the adapter's two measures."
Severity: #error
Expression: "measure = 'http://rpm-adapter.org/fhir/Measure/rpm-device-days' or measure = 'http://rpm-adapter.org/fhir/Measure/rpm-treatment-time'"

Invariant: rpm-mr-2
Description: "A window is complete (closed) or pending (open)."
Severity: #error
Expression: "status = 'complete' or status = 'pending'"

Invariant: rpm-mr-3
Description: "Days are counted in {days}, treatment time in min."
Severity: #error
Expression: "(measure.endsWith('/Measure/rpm-device-days') implies group.measureScore.code = '{days}') and (measure.endsWith('/Measure/rpm-treatment-time') implies group.measureScore.code = 'min')"

Profile: RpmChargeItem
Parent: ChargeItem
Id: rpm-chargeitem
Title: "RPM ChargeItem"
Description: "One billable code line: a CPT code of the RPM family for one window, planned while the window is open and billable when it closed with its threshold met; entered-in-error when a later run no longer supports it (never deleted). The MeasureReport of the window is its supporting information."
* ^experimental = false
* insert Generated(chargeitem)
* extension contains
    RpmRuleSet named ruleSet 1..1 and
    RpmDateOfService named dateOfService 1..1
* code.coding 1..*
* code.coding ^slicing.discriminator.type = #value
* code.coding ^slicing.discriminator.path = "system"
* code.coding ^slicing.rules = #open
* code.coding contains cpt 1..1
* code.coding[cpt].system 1..1
* code.coding[cpt].system = $CPT (exactly)
* code.coding[cpt].code 1..1
* code.coding[cpt] from RpmCptCodes (required)
* subject only Reference(Patient)
* occurrence[x] 1..1
* occurrence[x] only Period
* occurrencePeriod.start 1..1
* occurrencePeriod.end 1..1
* quantity 1..1
* quantity.value 1..1
* enteredDate 1..1
* supportingInformation 1..*
* supportingInformation only Reference(MeasureReport)

Profile: RpmTask
Parent: Task
Id: rpm-task
Title: "RPM work-list Task"
Description: "Asks staff to close the gap of an open window whose threshold can still be reached: so many more days with device readings, or minutes of treatment management and an interactive communication, by the window's end. Completed or cancelled when the window closes."
* ^experimental = false
* insert Generated(task)
* extension contains RpmRuleSet named ruleSet 1..1
* intent = #order
* code 1..1
* code from RpmTaskCodesVS (required)
* description 1..1
* focus 1..1
* focus only Reference(MeasureReport)
* for 1..1
* for only Reference(Patient)
* authoredOn 1..1
* lastModified 1..1
* restriction 1..1
* restriction.period 1..1
* restriction.period.start 1..1
* restriction.period.end 1..1
* input 1..*
* input.type from RpmTaskInputsVS (required)

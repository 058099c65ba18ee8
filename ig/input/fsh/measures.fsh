// The two measures a MeasureReport's measure names (fhir-mapping.md §2.1).

Instance: rpm-device-days
InstanceOf: Measure
Usage: #definition
Title: "RPM device days"
Description: "Days with at least one qualifying device reading in a 30-day period of the patient's RPM episode, counted in the patient's time zone (rule book R-DAY-*, R-PER-*). 99454 needs 16 days; from 2026, 99445 needs 2 to 15."
* url = "http://rpm-adapter.org/fhir/Measure/rpm-device-days"
* name = "RpmDeviceDays"
* title = "RPM device days"
* status = #active
* experimental = false
* publisher = "rpm-adapter"
* description = "Days with at least one qualifying device reading in a 30-day period of the patient's RPM episode, counted in the patient's time zone (rule book R-DAY-*, R-PER-*). 99454 needs 16 days; from 2026, 99445 needs 2 to 15."
* subjectCodeableConcept = $resource-types#Patient
* scoring = $measure-scoring#continuous-variable
* type = $measure-type#outcome
* improvementNotation = http://terminology.hl7.org/CodeSystem/measure-improvement-notation#increase
* group[0].description = "Distinct local dates of the period with a qualifying reading; the MeasureReport's measureScore, in UCUM {days}."

Instance: rpm-treatment-time
InstanceOf: Measure
Usage: #definition
Title: "RPM treatment management time"
Description: "Minutes of RPM treatment management in a calendar month and whether an interactive communication took place (rule book R-TIME-*, R-IC-*, R-TM-*). 99457 needs 20 minutes and an interactive communication, 99458 each further 20; from 2026, 99470 covers 10 to 19."
* url = "http://rpm-adapter.org/fhir/Measure/rpm-treatment-time"
* name = "RpmTreatmentTime"
* title = "RPM treatment management time"
* status = #active
* experimental = false
* publisher = "rpm-adapter"
* description = "Minutes of RPM treatment management in a calendar month and whether an interactive communication took place (rule book R-TIME-*, R-IC-*, R-TM-*). 99457 needs 20 minutes and an interactive communication, 99458 each further 20; from 2026, 99470 covers 10 to 19."
* subjectCodeableConcept = $resource-types#Patient
* scoring = $measure-scoring#continuous-variable
* type = $measure-type#process
* improvementNotation = http://terminology.hl7.org/CodeSystem/measure-improvement-notation#increase
* group[0].description = "Minutes of treatment management in the month; the MeasureReport's measureScore, in UCUM min."

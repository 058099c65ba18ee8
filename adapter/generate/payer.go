package generate

import "github.com/rpm-adapter/rpm-adapter/fhirmap"

// Systems of the payer resources.
const (
	systemICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
	systemNPI   = "http://hl7.org/fhir/sid/us-npi"
)

// payerResources writes the patient's Coverages, Conditions and Consents
// (R-PAY-2, R-PAY-3, R-ELIG-1).
func (e *emitter) payerResources(bt *batch, p *patient) {
	for i, c := range p.coverages {
		b := append(bt.buf[tCoverage], `{"resourceType":"Coverage","id":"cov-`...)
		b = append(b, p.id...)
		b = appendSeq(b, "-", i+1, 2)
		b = append(b, `","status":"active","beneficiary":`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `,"period":{"start":`...)
		b = appendDate(b, c.start)
		b = append(b, `},"payor":[`...)
		if c.payorOrg != "" {
			b = appendRef(b, "Organization", c.payorOrg)
		} else {
			b = append(b, `{"identifier":{"system":"`+systemNPI+`","value":`...)
			b = appendStr(b, c.payorNPI)
			b = append(b, `}}`...)
		}
		bt.buf[tCoverage] = append(b, "]}\n"...)
		bt.count[tCoverage]++
	}
	for i, c := range p.conditions {
		b := append(bt.buf[tCondition], `{"resourceType":"Condition","id":"cond-`...)
		b = append(b, p.id...)
		b = appendSeq(b, "-", i+1, 2)
		b = append(b, `","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":`...)
		b = appendStr(b, c.clinical)
		b = append(b, `}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"code":{"coding":[{"system":"`+systemICD10+`","code":`...)
		b = appendStr(b, c.icd10)
		b = append(b, `}]},"subject":`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `,"onsetDateTime":`...)
		b = appendDate(b, c.onset)
		bt.buf[tCondition] = append(b, "}\n"...)
		bt.count[tCondition]++
	}
	for i, c := range p.consents {
		b := append(bt.buf[tConsent], `{"resourceType":"Consent","id":"consent-`...)
		b = append(b, p.id...)
		b = appendSeq(b, "-", i+1, 2)
		b = append(b, `","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},"category":[{"coding":[{"system":`...)
		b = appendStr(b, e.programSys)
		b = append(b, `,"code":"`+fhirmap.ProgramRPMCode+`"}]}],"patient":`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `,"dateTime":`...)
		b = appendDate(b, c.start)
		b = append(b, `,"policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},"provision":{"type":"permit","period":{"start":`...)
		b = appendDate(b, c.start)
		b = append(b, `,"end":`...)
		b = appendDate(b, c.end)
		bt.buf[tConsent] = append(b, "}}}\n"...)
		bt.count[tConsent]++
	}
}

package ndjson

import (
	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// payerFacts are one patient's payer inputs in the rules' form: a few small
// structs, so they are kept whole.
type payerFacts struct {
	coverages  []rules.Coverage
	conditions []rules.Condition
	consents   []rules.Consent
}

// patientOf is the patient a payer resource belongs to.
func patientOf(r fhirmap.Resource) string {
	switch r := r.(type) {
	case *fhirmap.Coverage:
		return r.Patient
	case *fhirmap.Condition:
		return r.Patient
	case *fhirmap.Consent:
		return r.Patient
	}
	return ""
}

// add keeps a Coverage, Condition or Consent; other resources are ignored.
func (f *payerFacts) add(r fhirmap.Resource) {
	switch r := r.(type) {
	case *fhirmap.Coverage:
		f.coverages = append(f.coverages, r.Rules())
	case *fhirmap.Condition:
		f.conditions = append(f.conditions, r.Rules())
	case *fhirmap.Consent:
		f.consents = append(f.consents, r.Rules())
	}
}

func (f *payerFacts) merge(o payerFacts) {
	f.coverages = append(f.coverages, o.coverages...)
	f.conditions = append(f.conditions, o.conditions...)
	f.consents = append(f.consents, o.consents...)
}

func (f *payerFacts) into(pd *adapter.PatientData) {
	pd.Coverages, pd.Conditions, pd.Consents = f.coverages, f.conditions, f.consents
}

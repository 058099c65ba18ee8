package adapter

// PayerInputs says which payer resources the rules will use, so a source
// reads them only then: a plain Medicare run costs no extra request
// (fhir-mapping §1).
type PayerInputs struct {
	// Coverage is needed when a loaded profile names payors (R-PAY-2).
	Coverage bool
	// Condition is needed when some profile lists covered conditions (R-PAY-3).
	Condition bool
	// Consent is needed when require_consent is on in the default policy or
	// in a profile (R-ELIG-1).
	Consent bool
}

// PayerInputsFor works out the payer inputs the evaluator's profiles need.
func (e *Evaluator) PayerInputsFor() PayerInputs {
	in := PayerInputs{Consent: e.Policy.RequireConsent}
	for _, p := range e.Profiles {
		isDefault := p.ID == e.DefaultProfile
		in.Coverage = in.Coverage || len(p.Payors) > 0
		if isDefault || len(p.Payors) > 0 {
			// Only the default and profiles a Coverage can choose judge a window.
			in.Condition = in.Condition || len(p.Covered) > 0
			in.Consent = in.Consent || (!isDefault && p.Policy.RequireConsent)
		}
	}
	return in
}

// Any says whether any payer input is needed.
func (in PayerInputs) Any() bool { return in.Coverage || in.Condition || in.Consent }

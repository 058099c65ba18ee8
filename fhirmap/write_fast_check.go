package fhirmap

import (
	"errors"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The checks fhirvalidate makes on the reference path, made by the fast
// encoder on the values that come from the result (everything else is a
// constant, a hash or a reference checked by NewWriter and Build): codes
// match R4's code pattern, strings hold no control characters and stay
// under 1 MB. The property test holds the two paths to the same verdict.

const maxFHIRString = 1 << 20

func isRE2Space(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// validCode: ^[^\s]+(\s[^\s]+)*$ (R4 code).
func validCode(s string) bool {
	if s == "" || isRE2Space(s[0]) || isRE2Space(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if isRE2Space(s[i]) && isRE2Space(s[i-1]) {
			return false
		}
	}
	return true
}

// validString: no [\x00-\x08\x0B\x0C\x0E-\x1F], at most 1 MB (R4 string).
func validString(s string) bool {
	if len(s) > maxFHIRString {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

var (
	errFastCode   = errors.New("invalid Code format")
	errFastString = errors.New("string contains invalid characters or exceeds 1 MB")
)

func validationError(typ string, err error) error {
	return errors.New("fhirmap: " + typ + " failed FHIR validation: " + err.Error())
}

func checkFinding(f rules.Finding) error {
	switch {
	case !validCode(f.Code):
		return errFastCode
	case !validString(f.Rule), !validString(f.Message), !validString(f.Ref):
		return errFastString
	}
	return nil
}

// checkMeasureReport checks what measureReport takes from the result.
func checkMeasureReport(res *rules.Result, e *evalWindow, refs []string) error {
	if !validCode(string(e.ruleSet)) {
		return errFastCode
	}
	pol := res.Policy
	if e.profile.ID != "" {
		pol = e.profile.Policy
		if !validCode(e.profile.ID) || !validCode(e.profile.Source) {
			return errFastCode
		}
		if !validString(e.profile.Coverage) {
			return errFastString
		}
	}
	if !validCode(string(pol.DeviceDOS)) ||
		(e.consent != "" && !validCode(e.consent)) ||
		(res.Zone != "" && !validCode(res.Zone)) ||
		(e.period != nil && res.Anchor != rules.NoDate && res.AnchorSource != "" && !validCode(res.AnchorSource)) {
		return errFastCode
	}
	for _, r := range refs {
		if !validString(r) {
			return errFastString
		}
	}
	for _, f := range e.findings {
		if err := checkFinding(f); err != nil {
			return err
		}
	}
	for _, f := range res.Findings {
		if err := checkFinding(f); err != nil {
			return err
		}
	}
	return nil
}

// checkChargeItem checks what chargeItem takes from the result.
func checkChargeItem(l rules.CodeLine, e *evalWindow) error {
	if !validCode(l.Code) || !validCode(string(e.ruleSet)) {
		return errFastCode
	}
	return nil
}

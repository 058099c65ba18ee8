package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// MedicareFFS is the id of the built-in profile: the rule book's defaults
// for Medicare fee-for-service (R-PAY-1).
const MedicareFFS = "medicare-ffs"

// Profile is a payer profile (R-PAY-1): a named set of policy values with an
// effective date range and, optionally, the conditions the payer covers.
type Profile struct {
	ID   string
	Name string
	// Start and End bound the dates of service the profile applies to
	// (R-PAY-4), inclusive; NoDate leaves that side open.
	Start, End Date
	// Payors are what a Coverage's payor must match to select the profile
	// (R-PAY-2). A profile without payors is chosen only as the default.
	Payors []Payor
	Policy Policy
	// Covered lists the covered conditions (R-PAY-3); empty means every
	// condition is covered.
	Covered []ConditionSet
}

// Payor is one way a Coverage.payor can name the payer: a reference
// ("Organization/acme-health") or an identifier (system and value).
type Payor struct {
	Reference     string
	System, Value string
}

// ConditionSet is a code system and the code prefixes of it that a payer
// covers (R-PAY-3): ICD-10-CM "I50" matches "I50.22".
type ConditionSet struct {
	System   string   `json:"system"`
	Prefixes []string `json:"prefixes"`
}

// DefaultProfile returns the built-in medicare-ffs profile with the policy
// p (the deployment's policy flags set the default profile's values).
func DefaultProfile(p Policy) Profile {
	return Profile{ID: MedicareFFS, Name: "Medicare fee-for-service (the rule book's defaults)",
		Start: NoDate, End: NoDate, Policy: p}
}

// Effective says whether the profile applies to a date of service (R-PAY-4).
func (p Profile) Effective(dos Date) bool {
	return (p.Start == NoDate || dos >= p.Start) && (p.End == NoDate || dos <= p.End)
}

var profileID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)

// Validate reports a profile the engine cannot apply; the message names the
// key at fault.
func (p Profile) Validate() error {
	if !profileID.MatchString(p.ID) {
		return fmt.Errorf("id: %q is not 1-64 letters, digits, '-' or '.'", p.ID)
	}
	if p.Start != NoDate && p.End != NoDate && p.End < p.Start {
		return fmt.Errorf("effective: end %s is before start %s", p.End, p.Start)
	}
	for i, y := range p.Payors {
		switch {
		case y.Reference != "" && (y.System != "" || y.Value != ""):
			return fmt.Errorf("payors[%d]: give a reference or a system and value, not both", i)
		case y.Reference == "" && (y.System == "" || y.Value == ""):
			return fmt.Errorf("payors[%d]: needs a reference, or both system and value", i)
		}
	}
	for i, c := range p.Covered {
		if c.System == "" {
			return fmt.Errorf("coveredConditions[%d].system: required", i)
		}
		if len(c.Prefixes) == 0 {
			return fmt.Errorf("coveredConditions[%d].prefixes: at least one prefix is required", i)
		}
		for j, x := range c.Prefixes {
			if strings.TrimSpace(x) == "" || x != strings.TrimSpace(x) {
				return fmt.Errorf("coveredConditions[%d].prefixes[%d]: %q is empty or padded", i, j, x)
			}
		}
	}
	if err := p.Policy.Validate(); err != nil {
		return fmt.Errorf("policy: %s", strings.TrimPrefix(err.Error(), "rules: "))
	}
	return nil
}

// profileFile is the JSON profile format of the rule book (§9). Pointers
// tell a key that is absent (the book's default) from one set to false/0.
type profileFile struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Effective *struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"effective"`
	Payors []struct {
		Reference string `json:"reference"`
		System    string `json:"system"`
		Value     string `json:"value"`
	} `json:"payors"`
	Policy *struct {
		InPersonInteractive   *bool   `json:"in_person_interactive"`
		CountPreliminary      *bool   `json:"count_preliminary"`
		SetupMinDays2026      *int    `json:"setup_min_days_2026"`
		Max99458Units         *int    `json:"max_99458_units"`
		TMRequiresDataInMonth *bool   `json:"tm_requires_data_in_month"`
		DeviceDOS             *string `json:"device_dos"`
		RequireConsent        *bool   `json:"require_consent"`
	} `json:"policy"`
	CoveredConditions []ConditionSet `json:"coveredConditions"`
}

// ParseProfile reads one profile in the rule book's JSON format (§9).
// Unknown keys, bad values and a max_99458_units above the Medicare limit
// are errors that name the key; policy keys not given take the book's
// defaults (R-PAY-1).
func ParseProfile(data []byte) (Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f profileFile
	if err := dec.Decode(&f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Profile{}, fmt.Errorf("%s: expected %s, got %s", te.Field, te.Type, te.Value)
		}
		return Profile{}, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return Profile{}, errors.New("one profile per file: extra data after the first JSON value")
	}
	p := Profile{ID: f.ID, Name: f.Name, Start: NoDate, End: NoDate, Policy: DefaultPolicy(), Covered: f.CoveredConditions}
	if f.Effective != nil {
		var err error
		if p.Start, err = optionalDate(f.Effective.Start); err != nil {
			return Profile{}, fmt.Errorf("effective.start: %w", err)
		}
		if p.End, err = optionalDate(f.Effective.End); err != nil {
			return Profile{}, fmt.Errorf("effective.end: %w", err)
		}
	}
	for _, y := range f.Payors {
		p.Payors = append(p.Payors, Payor{Reference: y.Reference, System: y.System, Value: y.Value})
	}
	if q := f.Policy; q != nil {
		setBool(&p.Policy.InPersonInteractive, q.InPersonInteractive)
		setBool(&p.Policy.CountPreliminary, q.CountPreliminary)
		setBool(&p.Policy.TMRequiresDataInMonth, q.TMRequiresDataInMonth)
		setBool(&p.Policy.RequireConsent, q.RequireConsent)
		if q.SetupMinDays2026 != nil {
			p.Policy.SetupMinDays2026 = *q.SetupMinDays2026
		}
		if q.Max99458Units != nil {
			p.Policy.Max99458Units = *q.Max99458Units
		}
		if q.DeviceDOS != nil {
			p.Policy.DeviceDOS = DeviceDOS(*q.DeviceDOS)
		}
	}
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func optionalDate(s string) (Date, error) {
	if s == "" {
		return NoDate, nil
	}
	return ParseDate(s)
}

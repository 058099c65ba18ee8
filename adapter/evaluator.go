package adapter

import (
	"errors"
	"fmt"
	"time"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// PatientData is one patient's compact facts, as a source read them: never
// whole resources, only what the rules need and the issues found on the way.
type PatientData struct {
	ID string
	// Zone is the IANA zone of the Patient's timezone extension, "" if none.
	Zone string
	// DisplayName and MRN are read from the Patient for the store's worklist
	// (fhir-mapping §7); never logged, never written back.
	DisplayName, MRN string
	// Episodes are the patient's RPM episodes that can anchor periods (R-PER-2).
	Episodes     []*fhirmap.EpisodeOfCare
	Readings     []rules.Reading
	Interactions []rules.Interaction
	// Charges are the patient's ChargeItems: other organizations' and other
	// programs' for the conflicts (R-PER-4, R-CON-1), and the adapter's own
	// earlier write-back.
	Charges []*fhirmap.ChargeItem
	// Coverages, Conditions and Consents of the patient, read only when the
	// loaded profiles or the policy use them (R-PAY-2, R-PAY-3, R-ELIG-1).
	Coverages  []rules.Coverage
	Conditions []rules.Condition
	Consents   []rules.Consent
	// Issues are the input problems found while reading.
	Issues []fhirmap.Issue
}

// Evaluator turns one patient's data into an outcome with the rules.
type Evaluator struct {
	// Policy is the default payer profile's policy (R-PAY-1): the policy
	// flags merged into it.
	Policy rules.Policy
	// DefaultProfile is the default profile's id ("" for medicare-ffs) and
	// Profiles the loaded ones (R-PAY-2).
	DefaultProfile string
	Profiles       []rules.Profile
	// DefaultZone is the deployment's zone for patients that carry none
	// (R-DAY-4, last resort); nil means none.
	DefaultZone *time.Location
	// Organization is the billing organization (R-PER-4).
	Organization string
	// Writer builds the write-back resources; nil evaluates only.
	Writer *fhirmap.Writer
	// Now is the clock; the rules never read it.
	Now func() time.Time
}

// Evaluate applies the rules to pd for the job.
func (e *Evaluator) Evaluate(pd *PatientData, job Job) (*Outcome, error) {
	out := &Outcome{PatientID: pd.ID, DisplayName: pd.DisplayName, MRN: pd.MRN}
	loc, err := e.zone(pd, job)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		// R-DAY-4: nothing is guessed, UTC is never a silent fallback.
		out.NotEvaluated = "no time zone"
		return out, e.outcome(pd, job, out)
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	req := rules.Request{
		Location:     loc,
		AsOf:         job.asOf(now(), loc),
		Enrollment:   job.Enrollment,
		EpisodeStart: pd.episodeStart(loc, job.asOf(now(), loc)),
		Organization: e.Organization,
		Policy:       e.Policy,
		Readings:     pd.Readings,
		Interactions: pd.Interactions,
		Charges:      pd.charges(loc),
		// R-PAY-2, R-PAY-3, R-ELIG-1
		DefaultProfile: e.DefaultProfile,
		Profiles:       e.Profiles,
		Coverages:      pd.Coverages,
		Conditions:     pd.Conditions,
		Consents:       pd.Consents,
	}
	res, err := rules.Evaluate(req, job.scope())
	if err != nil {
		if errors.Is(err, rules.ErrNoTimeZone) {
			out.NotEvaluated = "no time zone"
			return out, e.outcome(pd, job, out)
		}
		return nil, err
	}
	out.Result = res
	out.Activities = pd.Interactions
	if e.Writer == nil {
		return out, nil
	}
	if err := e.outcome(pd, job, out); err != nil {
		return nil, err
	}
	ws, err := e.Writer.Build(pd.ID, res, now())
	if err != nil {
		return nil, fmt.Errorf("building the write-back: %w", err)
	}
	out.Writes = ws
	for _, r := range ws.Resources() {
		out.Resources = append(out.Resources, Resource{Type: r.ResourceType, ID: r.ID,
			IdentifierSystem: r.Identifier.System, IdentifierValue: r.Identifier.Value, JSON: r.JSON})
	}
	return out, nil
}

// outcome builds the patient's OperationOutcome: the input issues, and why
// the patient was not evaluated.
func (e *Evaluator) outcome(pd *PatientData, job Job, out *Outcome) error {
	out.Issues = pd.Issues
	if e.Writer == nil {
		return nil
	}
	var notes []fhirmap.Note
	if out.NotEvaluated != "" {
		notes = append(notes, fhirmap.Note{Severity: fhirmap.SeverityError, Code: "not-evaluated",
			Message: "The patient was not evaluated: " + out.NotEvaluated + "."})
	}
	js, err := e.Writer.OperationOutcome(pd.ID, job.String(), pd.Issues, notes)
	if err != nil {
		return fmt.Errorf("building the OperationOutcome: %w", err)
	}
	out.OperationOutcome = js
	return nil
}

// zone applies R-DAY-4's order: the request's zone, the Patient's, the
// deployment default.
func (e *Evaluator) zone(pd *PatientData, job Job) (*time.Location, error) {
	name := job.Zone
	if name == "" {
		name = pd.Zone
	}
	if name == "" {
		return e.DefaultZone, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// episodeStart is the start of the RPM episode current on asOf: the latest
// anchoring episode that started on or before it (R-PER-2).
func (pd *PatientData) episodeStart(loc *time.Location, asOf rules.Date) rules.Date {
	best := rules.NoDate
	for _, e := range pd.Episodes {
		if d, ok := e.StartDate(loc); ok && e.Anchoring() && d <= asOf && (best == rules.NoDate || d > best) {
			best = d
		}
	}
	return best
}

func (pd *PatientData) charges(loc *time.Location) []rules.Charge {
	out := make([]rules.Charge, 0, len(pd.Charges))
	for _, c := range pd.Charges {
		if rc, ok := c.Charge(loc); ok {
			out = append(out, rc)
		}
	}
	return out
}

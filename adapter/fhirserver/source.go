package fhirserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Source reads one patient at a time from a FHIR server
// (fhir-mapping.md §1).
type Source struct {
	Client *fhirclient.Client
	Reader *fhirmap.Reader
	// Policy decides which readings qualify when the adapter must look back
	// for the first one to anchor the episode (R-PER-2).
	Policy rules.Policy
	// AnchorPages bounds that look-back; 0 means 20 pages.
	AnchorPages int
	// Payer says which payer resources to search for (fhir-mapping §1):
	// none unless a loaded profile or the policy needs them.
	Payer adapter.PayerInputs
}

// NewSource checks its dependencies.
func NewSource(c *fhirclient.Client, r *fhirmap.Reader, p rules.Policy) (*Source, error) {
	if c == nil || r == nil {
		return nil, errors.New("adapter: FHIR source needs a client and a reader")
	}
	return &Source{Client: c, Reader: r, Policy: p}, nil
}

// Patients lists a Group's members; the whole server is never a population.
func (s *Source) Patients(ctx context.Context, group string) ([]string, error) {
	if group == "" {
		return nil, errors.New("a FHIR server source needs a group or a list of patients")
	}
	raw, err := s.Client.Read(ctx, "Group", group)
	if err != nil {
		return nil, upstream(err)
	}
	res, issues := s.Reader.Decode(raw)
	g, ok := res.(*fhirmap.Group)
	if !ok {
		return nil, fmt.Errorf("group could not be read (%s)", issueCodes(issues))
	}
	base, err := s.Client.ResolveURL("")
	if err != nil {
		return nil, err
	}
	return adapter.GroupPopulation(g, base), nil
}

// Load pulls the patient, the Observations and Communications of the span
// (with one day of slack each side, already in the span), the Encounters they
// reference, the RPM episodes and the ChargeItems.
func (s *Source) Load(ctx context.Context, id string, span adapter.Span) (*adapter.PatientData, error) {
	if adapter.ForeignMember(id) {
		return nil, fmt.Errorf("%s: %w", adapter.NotEvaluatedForeignMember, adapter.ErrNotFound)
	}
	raw, err := s.Client.Read(ctx, "Patient", id)
	if err != nil {
		return nil, upstream(err)
	}
	res, issues := s.Reader.Decode(raw)
	p, ok := res.(*fhirmap.Patient)
	if !ok {
		return nil, fmt.Errorf("patient could not be read (%s)", issueCodes(issues))
	}
	pd := &adapter.PatientData{ID: id, Zone: p.TimeZone, DisplayName: p.DisplayName, MRN: p.MRN, Issues: issues}

	// Full instants with an offset: servers disagree on date-only bounds.
	from := span.From.Start(time.UTC).Format(time.RFC3339)
	to := span.To.AddDays(1).Start(time.UTC).Format(time.RFC3339)
	if err := s.search(ctx, pd, "Observation", url.Values{"patient": {id}, "date": {"ge" + from, "lt" + to}}); err != nil {
		return nil, err
	}
	comms := url.Values{"patient": {id}, "sent": {"ge" + from, "lt" + to}, "_include": {"Communication:encounter"}}
	if err := s.search(ctx, pd, "Communication", comms); err != nil {
		return nil, err
	}
	if err := s.search(ctx, pd, "EpisodeOfCare", url.Values{"patient": {id}}); err != nil {
		return nil, err
	}
	if err := s.search(ctx, pd, "ChargeItem", url.Values{"patient": {id}}); err != nil {
		return nil, err
	}
	if err := s.loadPayer(ctx, pd); err != nil {
		return nil, err
	}
	if len(pd.Episodes) == 0 {
		// R-PER-2: without an episode the first qualifying reading anchors
		// the periods, which may lie before the span.
		if err := s.firstReading(ctx, pd, to); err != nil {
			return nil, err
		}
	}
	return pd, nil
}

// search runs one search and adds what its pages hold to pd.
func (s *Source) search(ctx context.Context, pd *adapter.PatientData, typ string, q url.Values) error {
	encounters := map[string]*fhirmap.Encounter{}
	var comms []*fhirmap.Communication
	var coverages []rules.Coverage
	var conditions []rules.Condition
	var consents []rules.Consent
	err := s.Client.Search(ctx, typ, q, func(page []byte) error {
		b, issues := s.Reader.DecodeBundle(page)
		pd.Issues = append(pd.Issues, issues...)
		if b == nil {
			return errors.New("a search page is not a Bundle")
		}
		for _, e := range b.Entries {
			switch r := e.Resource.(type) {
			case *fhirmap.Observation:
				if r.Patient == pd.ID {
					pd.Readings = append(pd.Readings, r.Reading)
				}
			case *fhirmap.Communication:
				if r.Patient == pd.ID {
					comms = append(comms, r)
				}
			case *fhirmap.Encounter:
				encounters[r.ID] = r
			case *fhirmap.EpisodeOfCare:
				if r.Patient == pd.ID && r.Anchoring() {
					pd.Episodes = append(pd.Episodes, r)
				}
			case *fhirmap.ChargeItem:
				if r.Patient == pd.ID {
					pd.Charges = append(pd.Charges, r)
				}
			case *fhirmap.Coverage:
				if r.Patient == pd.ID {
					coverages = append(coverages, r.Rules())
				}
			case *fhirmap.Condition:
				if r.Patient == pd.ID {
					conditions = append(conditions, r.Rules())
				}
			case *fhirmap.Consent:
				if r.Patient == pd.ID {
					consents = append(consents, r.Rules())
				}
			}
		}
		return nil
	})
	if err != nil {
		// Not upstream(err): a 404/410 here is a search that failed (HAPI
		// answers 410 for a next link whose search expired), not an unknown
		// patient; the API must say 502, not 404.
		return fmt.Errorf("%s search: %w", typ, err)
	}
	for _, c := range comms {
		in, issues := fhirmap.Interaction(c, encounters[c.Encounter])
		pd.Interactions = append(pd.Interactions, in)
		pd.Issues = append(pd.Issues, issues...)
	}
	pd.Coverages = append(pd.Coverages, coverages...)
	pd.Conditions = append(pd.Conditions, conditions...)
	pd.Consents = append(pd.Consents, consents...)
	return nil
}

// loadPayer searches the payer resources the profiles and policy need
// (fhir-mapping §1), and none otherwise. The status filters only trim what
// the server sends: the rules check status, periods and onsets themselves.
func (s *Source) loadPayer(ctx context.Context, pd *adapter.PatientData) error {
	id := pd.ID
	if s.Payer.Coverage { // R-PAY-2
		if err := s.search(ctx, pd, "Coverage", url.Values{"beneficiary": {"Patient/" + id}, "status": {"active"}}); err != nil {
			return err
		}
	}
	if s.Payer.Condition { // R-PAY-3: recurrence and relapse are active too
		if err := s.search(ctx, pd, "Condition", url.Values{"patient": {id}, "clinical-status": {"active,recurrence,relapse"}}); err != nil {
			return err
		}
	}
	if s.Payer.Consent { // R-ELIG-1
		if err := s.search(ctx, pd, "Consent", url.Values{"patient": {id}, "status": {"active"}}); err != nil {
			return err
		}
	}
	return nil
}

// errFound stops the look-back once a qualifying reading is in hand.
var errFound = errors.New("found")

// firstReading adds the patient's earliest qualifying reading before `to`.
func (s *Source) firstReading(ctx context.Context, pd *adapter.PatientData, to string) error {
	pages := s.AnchorPages
	if pages <= 0 {
		pages = 20
	}
	q := url.Values{"patient": {pd.ID}, "date": {"lt" + to}, "_sort": {"date"}}
	n := 0
	err := s.Client.Search(ctx, "Observation", q, func(page []byte) error {
		b, _ := s.Reader.DecodeBundle(page)
		if b == nil {
			return errors.New("a search page is not a Bundle")
		}
		for _, e := range b.Entries {
			if o, ok := e.Resource.(*fhirmap.Observation); ok && o.Patient == pd.ID && rules.Qualifies(o.Reading, s.Policy) {
				pd.Readings = append(pd.Readings, o.Reading)
				return errFound
			}
		}
		if n++; n >= pages {
			return errFound // give up looking further; the span's readings anchor
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return fmt.Errorf("first reading search: %w", err)
	}
	return nil
}

// upstream maps the client's not-found to the adapter's. The server's
// diagnostics are dropped from it: HAPI's name the resource it did not find
// ("Resource Patient/<id> is not known"), and the runner logs this error.
func upstream(err error) error {
	if errors.Is(err, fhirclient.ErrNotFound) {
		var fe *fhirclient.Error
		if errors.As(err, &fe) {
			quiet := *fe
			quiet.Issues = nil
			return fmt.Errorf("%w: %w", adapter.ErrNotFound, &quiet)
		}
		return fmt.Errorf("%w: %v", adapter.ErrNotFound, err)
	}
	return err
}

func issueCodes(issues []fhirmap.Issue) string {
	if len(issues) == 0 {
		return "no detail"
	}
	return issues[0].Code
}

var _ adapter.Source = (*Source)(nil)

package fhirmap

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// WriteMode says how a transaction Bundle addresses the resources it writes
// (fhir-mapping.md §3).
type WriteMode uint8

const (
	// PutByID writes with PUT [type]/[id] (update-as-create), the default:
	// the deterministic id makes a second run replace, not copy.
	PutByID WriteMode = iota
	// ConditionalPut writes with PUT [type]?identifier=<system>|<value>, the
	// fallback for servers that refuse client-assigned ids.
	ConditionalPut
)

// WriteOptions configures a Writer. Every reference is a relative literal
// reference "Type/id"; the empty string leaves the element out.
type WriteOptions struct {
	// Canonical is the product's canonical base; "" means DefaultCanonical.
	Canonical string
	// Tenant separates deployments that share a FHIR server: it enters the
	// hash behind every identifier value and id, never the JSON itself.
	Tenant string
	// Reporter is MeasureReport.reporter and Task.requester
	// (Organization, Practitioner, PractitionerRole or Location).
	Reporter string
	// Enterer is ChargeItem.enterer (Practitioner, PractitionerRole,
	// Organization or Device).
	Enterer string
	// Performer is ChargeItem.performer.actor and Task.owner (Practitioner,
	// PractitionerRole, Organization or CareTeam).
	Performer string
	// BillingOrganization is ChargeItem.performingOrganization, which lets
	// another reader tell whose charge it is (R-PER-4).
	BillingOrganization string
	// Mode chooses how TransactionBundle addresses the resources.
	Mode WriteMode
	// Strict builds every resource as a google/fhir proto, validates it
	// with fhirvalidate and marshals it with jsonformat: the reference path
	// (--strict-write). Otherwise the fast encoder writes the same bytes
	// directly (write_fast.go).
	Strict bool
}

// Writer builds, validates and marshals the write-back resources. It is
// built once and is safe for concurrent use.
type Writer struct {
	opts      WriteOptions
	canonical string
	marshal   *jsonformat.Marshaller
	unmarshal *jsonformat.Unmarshaller

	// Systems and URLs joined once from the canonical base.
	tagSystem, taskSystem                 string
	measureDevice, measureTime            string
	idSysMR, idSysCI, idSysTask           string
	reporter, enterer, performer, billing string
	ext                                   extURLs
	profMR, profCI, profTask              string
	metaMR, metaCI, metaTask              []byte // JSON of the fast encoder
}

// Errors of the write side. They carry no patient data.
var (
	// ErrNotGenerated is returned when a resource handed back for an update
	// does not carry the adapter's generated tag: it belongs to someone else.
	ErrNotGenerated = errors.New("fhirmap: the resource was not written by the adapter (no generated tag)")
	// ErrBilled is returned for a ChargeItem a billing system has set to
	// billed: the adapter never changes it (fhir-mapping.md §2).
	ErrBilled = errors.New("fhirmap: a billed ChargeItem is never changed by the adapter")
	// ErrFinalStatus is returned when the resource is already in a final
	// status (entered-in-error, completed, cancelled …) and has nothing to change.
	ErrFinalStatus = errors.New("fhirmap: the resource is already in a final status")
)

// idPattern is the FHIR id type (R4 §2.24.0.1).
var idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// NewWriter checks the options and prepares the marshaller. It refuses a
// canonical base that is not an absolute http(s) URL and references that are
// not "Type/id" of a type the target element allows, so a misconfiguration
// fails at start-up and not on the first patient.
func NewWriter(opts WriteOptions) (*Writer, error) {
	base := strings.TrimRight(opts.Canonical, "/")
	if base == "" {
		base = DefaultCanonical
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("fhirmap: canonical base must be an absolute http(s) URL")
	}
	if opts.Mode > ConditionalPut {
		return nil, fmt.Errorf("fhirmap: unknown write mode %d", opts.Mode)
	}
	checks := []struct {
		name, ref string
		types     []string
	}{
		{"reporter", opts.Reporter, []string{"Organization", "Practitioner", "PractitionerRole", "Location"}},
		{"enterer", opts.Enterer, []string{"Practitioner", "PractitionerRole", "Organization", "Device"}},
		{"performer", opts.Performer, []string{"Practitioner", "PractitionerRole", "Organization", "CareTeam"}},
		{"billing organization", opts.BillingOrganization, []string{"Organization"}},
	}
	for _, c := range checks {
		if err := checkConfiguredRef(c.ref, c.types); err != nil {
			return nil, fmt.Errorf("fhirmap: %s: %w", c.name, err)
		}
	}
	m, err := jsonformat.NewMarshaller(false, "", "", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhirmap: marshaller: %w", err)
	}
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhirmap: unmarshaller: %w", err)
	}
	w := &Writer{
		opts:          opts,
		canonical:     base,
		marshal:       m,
		unmarshal:     u,
		tagSystem:     base + PathGeneratedTagSys,
		taskSystem:    base + PathTaskCodeSystem,
		measureDevice: base + PathMeasureDevice,
		measureTime:   base + PathMeasureTime,
		idSysMR:       base + PathIdentifier + "measurereport",
		idSysCI:       base + PathIdentifier + "chargeitem",
		idSysTask:     base + PathIdentifier + "task",
		reporter:      opts.Reporter,
		enterer:       opts.Enterer,
		performer:     opts.Performer,
		billing:       opts.BillingOrganization,
		ext:           newExtURLs(base),
		profMR:        Canonical(base, PathProfileMeasureReport),
		profCI:        Canonical(base, PathProfileChargeItem),
		profTask:      Canonical(base, PathProfileTask),
	}
	w.metaMR, w.metaCI, w.metaTask = w.jsonMeta(w.profMR), w.jsonMeta(w.profCI), w.jsonMeta(w.profTask)
	return w, nil
}

// Canonical returns the canonical base the writer uses.
func (w *Writer) Canonical() string { return w.canonical }

// IdentifierSystem returns the identifier system of a resource type the
// adapter writes: <canonical>/identifier/<type in lower case>.
func (w *Writer) IdentifierSystem(resourceType string) string {
	return w.canonical + PathIdentifier + strings.ToLower(resourceType)
}

// checkConfiguredRef accepts "" or "Type/id" with Type among types.
func checkConfiguredRef(ref string, types []string) error {
	if ref == "" {
		return nil
	}
	typ, id, ok := strings.Cut(ref, "/")
	if !ok || !idPattern.MatchString(id) {
		return errors.New("reference must be Type/id")
	}
	for _, t := range types {
		if t == typ {
			return nil
		}
	}
	return fmt.Errorf("reference type %s not allowed, want one of %s", typ, strings.Join(types, ", "))
}

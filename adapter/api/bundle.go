package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// bundle is a Bundle of type collection: results, not a transaction. The
// resources are the adapter's validated JSON, copied as they are but for
// the references between entries of a Bundle without a FHIR base (see
// fullurl.go).
type bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp"`
	Entry        []bundleEntry `json:"entry,omitempty"`

	urls *entryURLs
}

type bundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
}

// newBundle starts a Bundle whose entries' fullUrls are on base, the FHIR
// server's base URL, or urn:uuid when base is "".
func newBundle(now time.Time, base string) *bundle {
	return &bundle{ResourceType: "Bundle", Type: "collection", Timestamp: now.UTC().Format(time.RFC3339),
		urls: newEntryURLs(base)}
}

// add appends an entry, once per resource.
func (b *bundle) add(resource []byte) {
	if full, fresh := b.urls.of(resource, len(b.Entry)); fresh {
		b.Entry = append(b.Entry, bundleEntry{FullURL: full, Resource: resource})
	}
}

// addTyped is add for a resource whose type and id are known (no parse).
func (b *bundle) addTyped(resource []byte, typ, id string) {
	if full, fresh := b.urls.ofTyped(resource, len(b.Entry), typ, id); fresh {
		b.Entry = append(b.Entry, bundleEntry{FullURL: full, Resource: resource})
	}
}

// addOutcome adds an OperationOutcome of the issues, when there are any.
func (b *bundle) addOutcome(issues []json.RawMessage) error {
	if len(issues) == 0 {
		return nil
	}
	oo, err := json.Marshal(struct {
		ResourceType string            `json:"resourceType"`
		Issue        []json.RawMessage `json:"issue"`
	}{"OperationOutcome", issues})
	if err != nil {
		return fmt.Errorf("operation outcome: %w", err)
	}
	b.add(oo)
	return nil
}

func (b *bundle) marshal() ([]byte, error) {
	for i := range b.Entry {
		b.Entry[i].Resource = b.urls.rewrite(b.Entry[i].Resource)
	}
	out, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return out, nil
}

// patientBundle is the answer of Patient/$rpm-eligibility: the resources,
// then one OperationOutcome with the input issues, the write warnings and
// why the patient was not evaluated, if it was not.
func patientBundle(out *adapter.Outcome, now time.Time, base string) ([]byte, error) {
	b := newBundle(now, base)
	for _, r := range out.Resources {
		if r.Type != "" && r.ID != "" {
			b.addTyped(r.JSON, r.Type, r.ID)
		} else {
			b.add(r.JSON)
		}
	}
	issues, err := outcomeIssues(out, "")
	if err != nil {
		return nil, err
	}
	if err := b.addOutcome(issues); err != nil {
		return nil, err
	}
	return b.marshal()
}

// outcomeIssues lists the issues of one outcome. In a Group's answer,
// subject ("Patient/<id>") prefixes every diagnostics so that an issue can
// be traced to its patient.
func outcomeIssues(out *adapter.Outcome, subject string) ([]json.RawMessage, error) {
	var issues []json.RawMessage
	if len(out.OperationOutcome) > 0 {
		var oo struct {
			Issue []map[string]json.RawMessage `json:"issue"`
		}
		if err := json.Unmarshal(out.OperationOutcome, &oo); err != nil {
			return nil, fmt.Errorf("outcome of a patient: %w", err)
		}
		for _, is := range oo.Issue {
			if subject != "" {
				var d string
				_ = json.Unmarshal(is["diagnostics"], &d) // absent: ""
				is["diagnostics"] = mustJSON(prefixed(subject, d))
			}
			issues = append(issues, mustJSON(is))
		}
	}
	for _, w := range out.Warnings {
		issues = append(issues, mustJSON(issue{Severity: "warning", Code: "informational", Diagnostics: prefixed(subject, w)}))
	}
	if out.Result == nil && out.NotEvaluated != "" {
		issues = append(issues, mustJSON(issue{Severity: "warning", Code: "incomplete",
			Diagnostics: prefixed(subject, "not evaluated: "+out.NotEvaluated)}))
	}
	return issues, nil
}

// memberIssue is a Group member's failure: an issue, not a failed request.
func memberIssue(id string, err error) json.RawMessage {
	code := ErrorCode(err)
	info, ok := codeTable[code]
	if !ok {
		info = codeTable[EINTERNAL]
	}
	msg := ErrorMessage(err)
	if code == EINTERNAL {
		msg = "evaluation failed (internal error; see the server log)"
	}
	return mustJSON(issue{Severity: "error", Code: info.issue, Diagnostics: prefixed("Patient/"+id, msg)})
}

func prefixed(subject, text string) string {
	switch {
	case subject == "":
		return text
	case text == "":
		return subject
	}
	return subject + ": " + text
}

// mustJSON marshals values that cannot fail (strings, raw JSON already
// parsed once).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
